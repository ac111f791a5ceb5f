// SPDX-License-Identifier: GPL-2.0

//! The map shim's C API (`include/linux/p2pmem.h`): raw pointers in, `src/shim.rs` out.

use core::ptr::NonNull;

use kernel::{
    bindings as kbindings,
    device,
    ffi::{
        c_int,
        c_ulong, //
    },
    prelude::*, //
};

use super::super::{
    bindings,
    dma_mapping::{
        direction_from_raw,
        DmaMapping,
        MapKind, //
    },
    pci::pci_device,
    provider::ProviderView,
    scatterlist::{
        SGChain,
        SGMapping,
        SGTableMut, //
    },
};
use crate::shim;

/// The C form of a mapping's count and state.
///
/// # Safety
///
/// `statep` is a valid out-parameter.
unsafe fn mapped(m: SGMapping<'_>, statep: *mut *mut bindings::p2pmem_map_state) -> c_int {
    let (count, state) = m.into_raw();
    // SAFETY: `statep` is a valid out-parameter (the caller's contract).
    unsafe { *statep = state.as_ptr().cast() };
    // CAST: at most the number of entries, which came from a `c_int` or a `u32` that
    // `map_sgtable` checked.
    count as c_int
}

/// `p2pmem_map_sg()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `dev` is a live device; `sgl` a chain of `nents` entries the caller owns during the call,
/// whose pages it holds until unmapped; `statep` a valid out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_map_sg(
    dev: *mut kbindings::device,
    sgl: *mut kbindings::scatterlist,
    nents: c_int,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
    statep: *mut *mut bindings::p2pmem_map_state,
) -> c_int {
    let (Ok(nents), Some(dir)) = (usize::try_from(nents), direction_from_raw(dir)) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `dev` is live for the call (the caller's contract).
    let dev = unsafe { device::Device::from_raw(dev) };
    // SAFETY: `sgl` is a chain of `nents` entries, ours during the call (the caller's contract).
    let Some(sgl) = (unsafe { SGChain::from_raw(sgl, nents) }) else {
        return EINVAL.to_errno();
    };
    match shim::map_sg(dev, sgl, dir, attrs) {
        // SAFETY: `statep` is a valid out-parameter (the caller's contract).
        Ok(m) => unsafe { mapped(m, statep) },
        Err(e) => e.to_errno(),
    }
}

/// The mapping `p2pmem_map_sg()` left in `sgl` with `state`.
///
/// # Safety
///
/// As [`SGMapping::from_raw`], for a non-NULL `sgl` and `state`.
unsafe fn mapping<'a>(
    dev: *mut kbindings::device,
    sgl: *mut kbindings::scatterlist,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
    state: *mut bindings::p2pmem_map_state,
) -> Option<SGMapping<'a>> {
    let (sgl, state, dir) = (
        NonNull::new(sgl)?,
        NonNull::new(state)?,
        direction_from_raw(dir)?,
    );
    // SAFETY: `dev` is live for `'a` (the caller's contract).
    let dev = unsafe { device::Device::from_raw(dev) };
    // SAFETY: `state` is what `p2pmem_map_sg()` returned for `dev`, `sgl`, `dir` and `attrs`,
    // unmapped only now (the caller's contract).
    Some(unsafe { SGMapping::from_raw(dev, sgl, dir, attrs, state.cast()) })
}

/// `p2pmem_unmap_sg()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `state` is what `p2pmem_map_sg()` returned for `dev`, `sgl`, `dir` and `attrs`, not unmapped
/// yet, and `sgl`'s DMA entries are unchanged since.
#[no_mangle]
unsafe extern "C" fn p2pmem_unmap_sg(
    dev: *mut kbindings::device,
    sgl: *mut kbindings::scatterlist,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
    state: *mut bindings::p2pmem_map_state,
) {
    // SAFETY: the caller's contract.
    drop(unsafe { mapping(dev, sgl, dir, attrs, state) });
}

/// `p2pmem_map_sgtable()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// As `p2pmem_map_sg()`, for `sgt`'s `sgl` and `orig_nents`; `sgt` is a valid table.
#[no_mangle]
unsafe extern "C" fn p2pmem_map_sgtable(
    dev: *mut kbindings::device,
    sgt: *mut kbindings::sg_table,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
    statep: *mut *mut bindings::p2pmem_map_state,
) -> c_int {
    let Some(dir) = direction_from_raw(dir) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `dev` is live for the call (the caller's contract).
    let dev = unsafe { device::Device::from_raw(dev) };
    // SAFETY: `sgt` is a valid table, ours during the call (the caller's contract).
    let Some(sgt) = (unsafe { SGTableMut::from_raw(sgt) }) else {
        return EINVAL.to_errno();
    };
    match shim::map_sgtable(dev, &sgt, dir, attrs) {
        Ok(m) => {
            // SAFETY: `statep` is a valid out-parameter (the caller's contract).
            unsafe { mapped(m, statep) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `p2pmem_unmap_sgtable()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// As `p2pmem_unmap_sg()`, for the table `p2pmem_map_sgtable()` mapped.
#[no_mangle]
unsafe extern "C" fn p2pmem_unmap_sgtable(
    dev: *mut kbindings::device,
    sgt: *mut kbindings::sg_table,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
    state: *mut bindings::p2pmem_map_state,
) {
    // SAFETY: `sgt` is a valid table, ours during the call (the caller's contract).
    let Some(table) = (unsafe { SGTableMut::from_raw(sgt) }) else {
        return;
    };
    // SAFETY: `sgt` is valid (above).
    let sgl = unsafe { (*sgt).sgl };
    // SAFETY: the caller's contract.
    if let Some(m) = unsafe { mapping(dev, sgl, dir, attrs, state) } {
        shim::unmap_sgtable(&table, m);
    }
}

/// `p2pmem_map_range()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `dev` is a live device, `provider` a live `pci_dev`, `map` a valid out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_map_range(
    dev: *mut kbindings::device,
    provider: *mut kbindings::pci_dev,
    bar: c_int,
    offset: u64,
    len: usize,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
    map: *mut bindings::p2pmem_range_map,
) -> c_int {
    let Some(dir) = direction_from_raw(dir) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `dev` is live for the call (the caller's contract).
    let dev = unsafe { device::Device::from_raw(dev) };
    // SAFETY: `provider` is live for the call (the caller's contract).
    let Some(provider) = (unsafe { pci_device(provider) }) else {
        return EINVAL.to_errno();
    };
    match shim::map_range(dev, provider, bar, offset, len, dir, attrs) {
        Ok(m) => {
            let (addr, len, kind) = m.into_raw();
            // SAFETY: `map` is a valid out-parameter (the caller's contract).
            unsafe {
                *map = bindings::p2pmem_range_map {
                    addr,
                    len,
                    kind: c_int::from(kind as u8),
                }
            };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `p2pmem_unmap_range()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `map` was filled by `p2pmem_map_range()` for `dev`, `dir` and `attrs`, and is not unmapped
/// yet.
#[no_mangle]
unsafe extern "C" fn p2pmem_unmap_range(
    dev: *mut kbindings::device,
    map: *const bindings::p2pmem_range_map,
    dir: kbindings::dma_data_direction,
    attrs: c_ulong,
) {
    if map.is_null() {
        return;
    }
    // SAFETY: `map` is valid for reads (the caller's contract).
    let map = unsafe { &*map };
    let (Some(kind), Some(dir)) = (MapKind::from_raw(map.kind), direction_from_raw(dir)) else {
        return;
    };
    // SAFETY: `dev` is live for the call (the caller's contract).
    let dev = unsafe { device::Device::from_raw(dev) };
    // SAFETY: `map` holds a mapping `p2pmem_map_range()` made for `dev`, `dir` and `attrs`,
    // unmapped only now (the caller's contract).
    drop(unsafe { DmaMapping::from_raw(dev, map.addr, map.len, kind, dir, attrs) });
}

/// `p2pmem_dma_route()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `p` is a provider the caller holds, `client` a live device, `bus_offset` a valid
/// out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_dma_route(
    p: *mut bindings::p2pmem_provider,
    client: *mut kbindings::device,
    bus_offset: *mut u64,
) -> c_int {
    // SAFETY: `p` is live for the call (the caller's contract).
    let Some(p) = (unsafe { ProviderView::from_raw(p) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `client` is live for the call (the caller's contract).
    let client = unsafe { device::Device::from_raw(client) };
    match shim::dma_route(p, client) {
        Ok(shim::DmaRoute::BusAddr { bus_offset: off }) => {
            // SAFETY: `bus_offset` is a valid out-parameter (the caller's contract).
            unsafe { *bus_offset = off };
            // CAST: a small positive constant.
            bindings::P2PMEM_ROUTE_BUS_ADDR as c_int
        }
        // CAST: a small positive constant.
        Ok(shim::DmaRoute::HostBridge) => bindings::P2PMEM_ROUTE_HOST_BRIDGE as c_int,
        Err(e) => e.to_errno(),
    }
}

// The header's prototypes and these definitions agree.
const _: () = {
    type MapSg = unsafe extern "C" fn(
        *mut kbindings::device,
        *mut kbindings::scatterlist,
        c_int,
        kbindings::dma_data_direction,
        c_ulong,
        *mut *mut bindings::p2pmem_map_state,
    ) -> c_int;
    let _: [MapSg; 2] = [bindings::p2pmem_map_sg, p2pmem_map_sg];
    type UnmapSg = unsafe extern "C" fn(
        *mut kbindings::device,
        *mut kbindings::scatterlist,
        kbindings::dma_data_direction,
        c_ulong,
        *mut bindings::p2pmem_map_state,
    );
    let _: [UnmapSg; 2] = [bindings::p2pmem_unmap_sg, p2pmem_unmap_sg];
    type MapSgt = unsafe extern "C" fn(
        *mut kbindings::device,
        *mut kbindings::sg_table,
        kbindings::dma_data_direction,
        c_ulong,
        *mut *mut bindings::p2pmem_map_state,
    ) -> c_int;
    let _: [MapSgt; 2] = [bindings::p2pmem_map_sgtable, p2pmem_map_sgtable];
    type UnmapSgt = unsafe extern "C" fn(
        *mut kbindings::device,
        *mut kbindings::sg_table,
        kbindings::dma_data_direction,
        c_ulong,
        *mut bindings::p2pmem_map_state,
    );
    let _: [UnmapSgt; 2] = [bindings::p2pmem_unmap_sgtable, p2pmem_unmap_sgtable];
    type MapRange = unsafe extern "C" fn(
        *mut kbindings::device,
        *mut kbindings::pci_dev,
        c_int,
        u64,
        usize,
        kbindings::dma_data_direction,
        c_ulong,
        *mut bindings::p2pmem_range_map,
    ) -> c_int;
    let _: [MapRange; 2] = [bindings::p2pmem_map_range, p2pmem_map_range];
    type UnmapRange = unsafe extern "C" fn(
        *mut kbindings::device,
        *const bindings::p2pmem_range_map,
        kbindings::dma_data_direction,
        c_ulong,
    );
    let _: [UnmapRange; 2] = [bindings::p2pmem_unmap_range, p2pmem_unmap_range];
    type Route = unsafe extern "C" fn(
        *mut bindings::p2pmem_provider,
        *mut kbindings::device,
        *mut u64,
    ) -> c_int;
    let _: [Route; 2] = [bindings::p2pmem_dma_route, p2pmem_dma_route];
};

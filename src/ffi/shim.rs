// SPDX-License-Identifier: GPL-2.0

//! The map shim's calls from C (`rust/shim.c`) into its Rust decisions (`src/shim.rs`).

use kernel::{
    bindings as kbindings,
    device,
    ffi::c_int,
    prelude::*, //
};

use super::bindings;
use crate::{
    policy::{
        dma_plan::SegmentPlan,
        verdict::MapType, //
    },
    shim, //
};

impl From<shim::Route> for bindings::p2pmem_route {
    fn from(r: shim::Route) -> Self {
        Self {
            map_type: match r.map_type {
                MapType::BusAddr => bindings::P2PMEM_PLAN_BUS,
                _ => bindings::P2PMEM_PLAN_HOST,
            },
            mask: r.mask,
            max_seg: r.max_seg,
            boundary: r.boundary,
        }
    }
}

impl From<&bindings::p2pmem_route> for shim::Route {
    fn from(r: &bindings::p2pmem_route) -> Self {
        Self {
            map_type: match r.map_type {
                bindings::P2PMEM_PLAN_BUS => MapType::BusAddr,
                bindings::P2PMEM_PLAN_HOST => MapType::ThruHostBridge,
                _ => MapType::NotSupported,
            },
            mask: r.mask,
            max_seg: r.max_seg,
            boundary: r.boundary,
        }
    }
}

/// `p2pmem_shim_route()`: see `rust/helpers.h`.
///
/// # Safety
///
/// `client` is a live device, `provider` a live `pci_dev`, `r` a valid out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_shim_route(
    client: *mut kbindings::device,
    provider: *mut kbindings::pci_dev,
    r: *mut bindings::p2pmem_route,
) -> c_int {
    // SAFETY: `client` is live for the call (caller's contract).
    let client = unsafe { device::Device::from_raw(client) };
    // SAFETY: `provider` is live for the call (caller's contract).
    let Some(provider) = (unsafe { super::exports::pci_device(provider) }) else {
        return EINVAL.to_errno();
    };
    match shim::route(client, provider) {
        Ok(route) => {
            // SAFETY: `r` is a valid out-parameter (caller's contract).
            unsafe { *r = route.into() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `p2pmem_shim_segment()`: see `rust/helpers.h`.
///
/// # Safety
///
/// `client` is a live device, `r` a route filled by `p2pmem_shim_route()`, `bus` a valid
/// out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_shim_segment(
    client: *mut kbindings::device,
    r: *const bindings::p2pmem_route,
    phys: u64,
    len: u64,
    bus_offset: u64,
    bus: *mut u64,
) -> c_int {
    // SAFETY: `client` is live for the call (caller's contract).
    let client = unsafe { device::Device::from_raw(client) };
    // SAFETY: `r` is valid for reads (caller's contract).
    let route = shim::Route::from(unsafe { &*r });
    // SAFETY: `bus` is a valid out-parameter (caller's contract).
    unsafe { plan_result(shim::segment(client, &route, phys, len, bus_offset), bus) }
}

/// `p2pmem_shim_route_merges()`: see `rust/helpers.h`.
///
/// # Safety
///
/// `r` is a route filled by `p2pmem_shim_route()`.
#[no_mangle]
unsafe extern "C" fn p2pmem_shim_route_merges(
    r: *const bindings::p2pmem_route,
    prev: u64,
    prev_len: u64,
    next: u64,
    next_len: u64,
) -> bool {
    // SAFETY: `r` is valid for reads (caller's contract).
    let route = shim::Route::from(unsafe { &*r });
    shim::merge(&route, prev, prev_len, next, next_len)
}

/// The C form of a segment plan.
///
/// # Safety
///
/// `bus` is a valid out-parameter.
unsafe fn plan_result(plan: Result<SegmentPlan>, bus: *mut u64) -> c_int {
    match plan {
        Ok(SegmentPlan::Bus(addr)) => {
            // SAFETY: the caller's contract.
            unsafe { *bus = addr };
            // CAST: a small positive constant.
            bindings::P2PMEM_PLAN_BUS as c_int
        }
        // CAST: a small positive constant.
        Ok(SegmentPlan::HostBridge) => bindings::P2PMEM_PLAN_HOST as c_int,
        Err(e) => e.to_errno(),
    }
}

const _: () = {
    type Route = unsafe extern "C" fn(
        *mut kbindings::device,
        *mut kbindings::pci_dev,
        *mut bindings::p2pmem_route,
    ) -> c_int;
    let _: [Route; 2] = [bindings::p2pmem_shim_route, p2pmem_shim_route];
    type Segment = unsafe extern "C" fn(
        *mut kbindings::device,
        *const bindings::p2pmem_route,
        u64,
        u64,
        u64,
        *mut u64,
    ) -> c_int;
    let _: [Segment; 2] = [bindings::p2pmem_shim_segment, p2pmem_shim_segment];
    type Merges = unsafe extern "C" fn(*const bindings::p2pmem_route, u64, u64, u64, u64) -> bool;
    let _: [Merges; 2] = [bindings::p2pmem_shim_route_merges, p2pmem_shim_route_merges];
};

// The Rust form of the shim, for Rust drivers; the module's own users are C (nvmet, consumers),
// so only KUnit uses it in the module.
/// A BAR range mapped for a client device with `p2pmem_map_range()`: the Rust form of the
/// struct-page-less shim. Unmapped when dropped.
///
/// # Invariants
///
/// `map` was filled by a successful `p2pmem_map_range()` for `client` in direction `dir`, and
/// is unmapped only by [`Drop`]; `client` outlives the mapping (it is borrowed).
pub(crate) struct RangeMapping<'a> {
    client: &'a device::Device,
    map: bindings::p2pmem_range_map,
    dir: kernel::dma::DataDirection,
}

#[cfg_attr(not(P2PMEM_KUNIT), expect(dead_code))]
impl<'a> RangeMapping<'a> {
    /// Maps `len` bytes at `offset` of BAR `bar` of `provider` for `client`, with the verdict
    /// rules of the shim (`EREMOTEIO`, `EIO`, `EINVAL` as `p2pmem_map_range()`).
    pub(crate) fn new(
        client: &'a device::Device,
        provider: &kernel::pci::Device,
        bar: u32,
        offset: u64,
        len: usize,
        dir: kernel::dma::DataDirection,
    ) -> Result<Self> {
        let mut map = bindings::p2pmem_range_map::default();
        let bar = c_int::try_from(bar).map_err(|_| EINVAL)?;
        // SAFETY: both devices are live for the call; `map` is a valid out-parameter.
        kernel::error::to_result(unsafe {
            bindings::p2pmem_map_range(
                super::dev_raw(client),
                super::pci::raw_pci(provider),
                bar,
                offset,
                len,
                dir.into(),
                0,
                &mut map,
            )
        })?;
        // INVARIANT: mapped just above.
        Ok(Self { client, map, dir })
    }

    /// The address the client must use.
    pub(crate) fn dma_addr(&self) -> u64 {
        self.map.addr
    }
}

impl Drop for RangeMapping<'_> {
    fn drop(&mut self) {
        // SAFETY: `map` is a live mapping for `client` in `dir` (type invariant).
        unsafe {
            bindings::p2pmem_unmap_range(super::dev_raw(self.client), &self.map, self.dir.into(), 0)
        };
    }
}

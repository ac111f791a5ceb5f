// SPDX-License-Identifier: GPL-2.0

//! The claim glue's calls from C (`rust/claim.c`) into its Rust decisions (`src/claim.rs`), and
//! the exported `p2pmem_dma_api_check()`.

use kernel::{
    bindings as kbindings,
    device,
    ffi::{
        c_char,
        c_int, //
    },
    prelude::*, //
};

use super::{
    bindings,
    exports::pci_device,
    pci::pci_parent_of, //
};
use crate::{
    claim,
    policy::{
        dma_api::DmaApiFacts,
        selection::Selection, //
    },
};

/// `p2pmem_parse_selection()`: see `rust/helpers.h`.
///
/// # Safety
///
/// `buf` points to `len` readable bytes; `sel` is a valid out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_parse_selection(
    buf: *const c_char,
    len: usize,
    sel: *mut bindings::p2pmem_selection,
) -> c_int {
    if buf.is_null() || sel.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `buf` points to `len` readable bytes (caller's contract).
    let bytes = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    let out = match claim::parse_selection(bytes) {
        Ok(Selection::Off) => bindings::p2pmem_selection {
            // CAST: a small constant.
            kind: bindings::P2PMEM_SELECT_OFF as c_int,
            ..Default::default()
        },
        Ok(Selection::Any) => bindings::p2pmem_selection {
            // CAST: a small constant.
            kind: bindings::P2PMEM_SELECT_ANY as c_int,
            ..Default::default()
        },
        Ok(Selection::Provider(addr)) => bindings::p2pmem_selection {
            // CAST: a small constant.
            kind: bindings::P2PMEM_SELECT_PROVIDER as c_int,
            domain: addr.domain(),
            bus: addr.bus(),
            devfn: addr.devfn(),
        },
        Err(e) => return e.to_errno(),
    };
    // SAFETY: `sel` is a valid out-parameter (caller's contract).
    unsafe { *sel = out };
    0
}

/// `p2pmem_dma_api_check()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `p` is a referenced provider; `client` is a live device.
#[no_mangle]
unsafe extern "C" fn p2pmem_dma_api_check(
    p: *mut bindings::p2pmem_provider,
    client: *mut kbindings::device,
    verbose: bool,
) -> c_int {
    if p.is_null() || client.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `p` is referenced (caller's contract), and a provider holds its PCI function.
    let provider = unsafe { pci_device(bindings::p2pmem_provider_pci_dev(p)) };
    // SAFETY: `client` is live for the call (caller's contract).
    let client = pci_parent_of(unsafe { device::Device::from_raw(client) });
    let (Some(provider), Some(client)) = (provider, client) else {
        return EINVAL.to_errno();
    };
    let mut f = bindings::p2pmem_dma_api_facts::default();
    // SAFETY: `p` is referenced, `client` live and `f` a valid out-parameter.
    unsafe { bindings::p2pmem_dma_api_facts(p, super::pci::raw(client), &mut f) };
    let facts = DmaApiFacts {
        bus_offset: f.bus_offset,
        bus_start: f.bus_start,
        len: f.len,
        dma_mask: f.dma_mask,
        iommu_translates: f.iommu_translates,
        force_bounce: f.force_bounce,
    };
    match claim::dma_api_check(provider, client, &facts, verbose) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

const _: () = {
    type Parse =
        unsafe extern "C" fn(*const c_char, usize, *mut bindings::p2pmem_selection) -> c_int;
    let _: [Parse; 2] = [bindings::p2pmem_parse_selection, p2pmem_parse_selection];
    type Check =
        unsafe extern "C" fn(*mut bindings::p2pmem_provider, *mut kbindings::device, bool) -> c_int;
    let _: [Check; 2] = [bindings::p2pmem_dma_api_check, p2pmem_dma_api_check];
};

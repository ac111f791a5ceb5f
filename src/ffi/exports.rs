// SPDX-License-Identifier: GPL-2.0

//! The C API functions implemented in Rust (`include/linux/p2pmem.h`, exported by
//! `rust/exports.c`).

mod claim;
mod shim;

use core::ptr::NonNull;

use kernel::{
    bindings as kbindings,
    device,
    ffi::c_int,
    pci,
    prelude::*, //
};

use super::{
    bindings,
    pci::{
        pci_device,
        pci_parent_of,
        PciFn, //
    },
    provider::{
        ProviderRef,
        ProviderView,
        Sgl, //
    },
};
use crate::{
    display::Shown,
    policy::{topology::PciFunction, verdict::MapType, verdict_cache::Cached},
    provider::{
        Owner,
        Provider, //
    },
    refusal, registry, verdict_cache,
};

/// `p2pmem_distance_many()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `provider` is a live `pci_dev`; `clients` points to `num_clients` live devices.
#[no_mangle]
unsafe extern "C" fn p2pmem_distance_many(
    provider: *mut kbindings::pci_dev,
    clients: *mut *mut kbindings::device,
    num_clients: c_int,
    verbose: bool,
) -> c_int {
    // No clients is -1, as in the in-tree pci_p2pdma_distance_many().
    let Ok(n) = usize::try_from(num_clients) else {
        return -1;
    };
    if n == 0 || clients.is_null() {
        return -1;
    }
    // SAFETY: `provider` is a live `pci_dev` (caller's contract).
    let Some(pdev) = (unsafe { pci_device(provider) }) else {
        return -1;
    };
    // SAFETY: `clients` points to `n` device pointers (caller's contract).
    let clients = unsafe { core::slice::from_raw_parts(clients, n) };
    // SAFETY: each client is a live device (caller's contract).
    unsafe { distance_many(pdev, clients, verbose, verdict_cache::cached) }
}

/// The summed distance from `pdev` to `clients` by `lookup` (cached or computed verdicts), or -1.
///
/// # Safety
///
/// Every pointer in `clients` is NULL or a live device.
pub(super) unsafe fn distance_many(
    pdev: &pci::Device,
    clients: &[*mut kbindings::device],
    verbose: bool,
    lookup: fn(&pci::Device, &pci::Device) -> Cached,
) -> c_int {
    let mut total: c_int = 0;
    for &client in clients {
        let cdev = (!client.is_null())
            // SAFETY: each client is a live device (caller's contract).
            .then(|| unsafe { device::Device::from_raw(client) })
            .and_then(pci_parent_of);
        let Some(cdev) = cdev else {
            if verbose && refusal::may_log() {
                dev_warn!(pdev, "p2pmem: a client is not a PCI device\n");
            }
            return -1;
        };
        let c = lookup(pdev, cdev);
        if c.map_type == MapType::NotSupported {
            if verbose && refusal::may_log() {
                let v = verdict_cache::fresh(pdev, cdev);
                dev_warn!(
                    cdev,
                    "p2pmem: cannot use the memory of {}: {}\n",
                    PciFn::new(pdev).addr(),
                    Shown(v.reason())
                );
            }
            return -1;
        }
        total = total.saturating_add(c_int::try_from(c.distance).unwrap_or(c_int::MAX));
    }
    total
}

/// `p2pmem_find_many()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `clients` points to `num_clients` live devices.
#[no_mangle]
unsafe extern "C" fn p2pmem_find_many(
    clients: *mut *mut kbindings::device,
    num_clients: c_int,
) -> *mut bindings::p2pmem_provider {
    let Ok(n) = usize::try_from(num_clients) else {
        return core::ptr::null_mut();
    };
    if n == 0 || clients.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: `clients` points to `n` device pointers (caller's contract).
    let raw_clients = unsafe { core::slice::from_raw_parts(clients, n) };
    let Ok(mut fns) = KVec::with_capacity(n, GFP_KERNEL) else {
        return core::ptr::null_mut();
    };
    for &c in raw_clients {
        let c = (!c.is_null())
            // SAFETY: each client is a live device (caller's contract).
            .then(|| unsafe { device::Device::from_raw(c) })
            .and_then(pci_parent_of);
        let Some(c) = c else {
            return core::ptr::null_mut();
        };
        if fns.push(c, GFP_KERNEL).is_err() {
            return core::ptr::null_mut();
        }
    }
    crate::claim::find_many(&fns).map_or(core::ptr::null_mut(), ProviderRef::into_raw)
}

/// `p2pmem_add_resource()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `pdev` is a live `pci_dev` bound to the calling driver.
#[no_mangle]
unsafe extern "C" fn p2pmem_add_resource(
    pdev: *mut kbindings::pci_dev,
    bar: c_int,
    size: usize,
    offset: u64,
) -> c_int {
    // SAFETY: `pdev` is live (caller's contract).
    let Some(dev) = (unsafe { pci_device(pdev) }) else {
        return EINVAL.to_errno();
    };
    let r = (|| -> Result {
        let bar = u32::try_from(bar).map_err(|_| EINVAL)?;
        let size = u64::try_from(size).map_err(|_| EINVAL)?;
        let provider = Provider::new(dev, bar, offset, size, Owner::Driver)?;
        let dev: &device::Device = dev.as_ref();
        // SAFETY: the calling driver is bound to `pdev` for the call (caller's contract: it
        // calls from its probe).
        let bound = unsafe { dev.as_bound() };
        // The provider is the device's until its driver unbinds; on error it is dropped now.
        kernel::devres::register(bound, provider, GFP_KERNEL)
    })();
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `p2pmem_provider_get()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `pdev` is NULL or a live `pci_dev`.
#[no_mangle]
unsafe extern "C" fn p2pmem_provider_get(
    pdev: *mut kbindings::pci_dev,
) -> *mut bindings::p2pmem_provider {
    // SAFETY: `pdev` is NULL or live (caller's contract).
    let Some(dev) = (unsafe { pci_device(pdev) }) else {
        return core::ptr::null_mut();
    };
    registry::provider_of(dev).map_or(core::ptr::null_mut(), ProviderRef::into_raw)
}

/// `p2pmem_alloc_sgl()` (`pages` false) and `p2pmem_alloc_sgl_pages()`.
///
/// # Safety
///
/// `p` is NULL or a provider the caller holds a reference on; `nents` is NULL or valid for a
/// write.
unsafe fn alloc_sgl(
    p: *mut bindings::p2pmem_provider,
    nents: *mut kernel::ffi::c_uint,
    length: u32,
    pages: bool,
) -> *mut kbindings::scatterlist {
    // SAFETY: `p` is NULL or live for the call (caller's contract).
    let Some(provider) = (unsafe { ProviderView::from_raw(p) }) else {
        return core::ptr::null_mut();
    };
    if nents.is_null() {
        return core::ptr::null_mut();
    }
    let Some(sgl) = Sgl::alloc(provider, length, pages) else {
        return core::ptr::null_mut();
    };
    let (sgl, n) = sgl.into_raw();
    // SAFETY: `nents` is valid for a write (caller's contract).
    unsafe { *nents = n };
    sgl
}

/// `p2pmem_alloc_sgl()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// See [`alloc_sgl`].
#[no_mangle]
unsafe extern "C" fn p2pmem_alloc_sgl(
    p: *mut bindings::p2pmem_provider,
    nents: *mut kernel::ffi::c_uint,
    length: u32,
) -> *mut kbindings::scatterlist {
    // SAFETY: the caller's contract is `alloc_sgl`'s.
    unsafe { alloc_sgl(p, nents, length, false) }
}

/// `p2pmem_alloc_sgl_pages()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// See [`alloc_sgl`].
#[no_mangle]
unsafe extern "C" fn p2pmem_alloc_sgl_pages(
    p: *mut bindings::p2pmem_provider,
    nents: *mut kernel::ffi::c_uint,
    length: u32,
) -> *mut kbindings::scatterlist {
    // SAFETY: the caller's contract is `alloc_sgl`'s.
    unsafe { alloc_sgl(p, nents, length, true) }
}

/// `p2pmem_free_sgl()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `p` is a provider the caller holds a reference on; `sgl` is NULL or came from
/// `p2pmem_alloc_sgl()` or `p2pmem_alloc_sgl_pages()` on `p` and is not used after.
#[no_mangle]
unsafe extern "C" fn p2pmem_free_sgl(
    p: *mut bindings::p2pmem_provider,
    sgl: *mut kbindings::scatterlist,
) {
    // SAFETY: `p` is live for the call (caller's contract).
    let (Some(provider), Some(sgl)) = (unsafe { ProviderView::from_raw(p) }, NonNull::new(sgl))
    else {
        return;
    };
    // SAFETY: `sgl` is an `Sgl` of `provider` handed out by `alloc_sgl` (caller's contract).
    drop(unsafe { Sgl::from_raw(provider, sgl) });
}

/// `p2pmem_publish()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `pdev` is NULL or a live `pci_dev`.
#[no_mangle]
unsafe extern "C" fn p2pmem_publish(pdev: *mut kbindings::pci_dev, publish: bool) {
    // SAFETY: `pdev` is NULL or live (caller's contract).
    if let Some(dev) = unsafe { pci_device(pdev) } {
        registry::publish(dev, publish);
    }
}

const _: () = {
    let _: [unsafe extern "C" fn(*mut kbindings::pci_dev) -> *mut bindings::p2pmem_provider; 2] =
        [bindings::p2pmem_provider_get, p2pmem_provider_get];
    type AllocSgl = unsafe extern "C" fn(
        *mut bindings::p2pmem_provider,
        *mut kernel::ffi::c_uint,
        u32,
    ) -> *mut kbindings::scatterlist;
    let _: [AllocSgl; 4] = [
        bindings::p2pmem_alloc_sgl,
        p2pmem_alloc_sgl,
        bindings::p2pmem_alloc_sgl_pages,
        p2pmem_alloc_sgl_pages,
    ];
    let _: [unsafe extern "C" fn(*mut bindings::p2pmem_provider, *mut kbindings::scatterlist); 2] =
        [bindings::p2pmem_free_sgl, p2pmem_free_sgl];
    let _: [unsafe extern "C" fn(*mut kbindings::pci_dev, bool); 2] =
        [bindings::p2pmem_publish, p2pmem_publish];
    let _: [unsafe extern "C" fn(*mut kbindings::pci_dev, c_int, usize, u64) -> c_int; 2] =
        [bindings::p2pmem_add_resource, p2pmem_add_resource];
    type F = unsafe extern "C" fn(
        *mut kbindings::pci_dev,
        *mut *mut kbindings::device,
        c_int,
        bool,
    ) -> c_int;
    let _: [F; 2] = [bindings::p2pmem_distance_many, p2pmem_distance_many];
    type Find =
        unsafe extern "C" fn(*mut *mut kbindings::device, c_int) -> *mut bindings::p2pmem_provider;
    let _: [Find; 2] = [bindings::p2pmem_find_many, p2pmem_find_many];
};

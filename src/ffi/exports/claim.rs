// SPDX-License-Identifier: GPL-2.0

//! The C API of claims and control values (`include/linux/p2pmem.h`): `p2pmem_enable_store()`,
//! `p2pmem_enable_show()`, `p2pmem_claim()` and its accessors, `p2pmem_claim_set_expire()`,
//! `p2pmem_dma_api_check()`. Each turns its pointers into safe types and calls `src/claim.rs`.

use kernel::{
    bindings as kbindings,
    device,
    error::Error,
    ffi::{
        c_char,
        c_int,
        c_uint,
        c_void, //
    },
    page::PAGE_SIZE,
    prelude::*,
    str::CStr,
    sync::aref::ARef,
    types::ForeignOwnable, //
};

use super::super::{
    bindings,
    c_callback::CCallback,
    class::SliceWriter,
    pci::pci_device,
    provider::ProviderRef, //
};
use crate::claim::{
    self,
    Held, //
};

/// `ERR_PTR(e)`.
fn err_ptr<T>(e: Error) -> *mut T {
    e.to_ptr()
}

/// `IS_ERR_OR_NULL(p)`.
fn is_err_or_null<T>(p: *mut T) -> bool {
    p.is_null() || kernel::error::from_err_ptr(p).is_err()
}

/// `p2pmem_enable_store()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `page` is a NUL-terminated string; `p2p_dev` and `use_` are valid out-parameters.
#[no_mangle]
unsafe extern "C" fn p2pmem_enable_store(
    page: *const c_char,
    p2p_dev: *mut *mut kbindings::pci_dev,
    use_: *mut bool,
) -> c_int {
    if page.is_null() || p2p_dev.is_null() || use_.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `page` is NUL-terminated (caller's contract).
    let value = unsafe { CStr::from_char_ptr(page) };
    let e = match claim::enable_store(value.to_bytes()) {
        Ok(e) => e,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: valid out-parameters (caller's contract).
    unsafe {
        *p2p_dev = core::ptr::null_mut();
        *use_ = e.use_p2pmem;
    }
    match e.provider {
        Ok(None) => 0,
        Ok(Some(pdev)) => {
            // The caller releases the reference with `pci_dev_put()`.
            let pdev = ARef::into_raw(pdev).as_ptr().cast::<kbindings::pci_dev>();
            // SAFETY: a valid out-parameter (caller's contract).
            unsafe { *p2p_dev = pdev };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `p2pmem_enable_show()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `page` is a page-aligned `PAGE_SIZE` buffer (a sysfs or configfs page); `p2p_dev` is NULL or
/// a live `pci_dev`.
#[no_mangle]
unsafe extern "C" fn p2pmem_enable_show(
    page: *mut c_char,
    p2p_dev: *mut kbindings::pci_dev,
    use_: bool,
) -> isize {
    // As `sysfs_emit()`, which refuses any other buffer.
    if page.is_null() || page.addr() % PAGE_SIZE != 0 {
        return 0;
    }
    // SAFETY: a `PAGE_SIZE` writable buffer (caller's contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(page.cast::<u8>(), PAGE_SIZE) };
    let mut w = SliceWriter::new(buf);
    // SAFETY: `p2p_dev` is NULL or live for the call (caller's contract).
    let pdev = unsafe { pci_device(p2p_dev) };
    match claim::enable_show(&mut w, pdev, use_) {
        // CAST: at most `PAGE_SIZE`.
        Ok(()) => w.len() as isize,
        Err(_) => 0,
    }
}

/// `p2pmem_claim()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `p2p_dev` is NULL or a live `pci_dev`; `clients` points to `num_clients` pointers, each NULL
/// or a live device; `who` is NULL or a NUL-terminated string.
#[no_mangle]
unsafe extern "C" fn p2pmem_claim(
    p2p_dev: *mut kbindings::pci_dev,
    clients: *mut *mut kbindings::device,
    num_clients: c_int,
    who: *const c_char,
) -> *mut bindings::p2pmem_claim {
    let n = usize::try_from(num_clients).unwrap_or(0);
    if n == 0 || clients.is_null() {
        return err_ptr(EINVAL);
    }
    // SAFETY: `clients` points to `n` device pointers (caller's contract).
    let raw = unsafe { core::slice::from_raw_parts(clients, n) };
    let Ok(mut devs) = KVec::with_capacity(n, GFP_KERNEL) else {
        return err_ptr(ENOMEM);
    };
    for &c in raw {
        // SAFETY: each client is NULL or live for the call (caller's contract).
        let d = (!c.is_null()).then(|| unsafe { device::Device::from_raw(c) });
        if devs.push(d, GFP_KERNEL).is_err() {
            return err_ptr(ENOMEM);
        }
    }
    let who = if who.is_null() {
        &b"?"[..]
    } else {
        // SAFETY: `who` is NUL-terminated (caller's contract).
        unsafe { CStr::from_char_ptr(who) }.to_bytes()
    };
    // SAFETY: `p2p_dev` is NULL or live for the call (caller's contract).
    let pdev = unsafe { pci_device(p2p_dev) };
    if !p2p_dev.is_null() && pdev.is_none() {
        return err_ptr(EINVAL);
    }
    match claim::claim(pdev, &devs, who) {
        // The caller releases it with `p2pmem_unclaim()`.
        Ok(c) => c.into_foreign().cast(),
        Err(e) => err_ptr(e),
    }
}

/// `p2pmem_unclaim()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `c` is NULL, an `ERR_PTR` or a claim from [`p2pmem_claim`] not yet released.
#[no_mangle]
unsafe extern "C" fn p2pmem_unclaim(c: *mut bindings::p2pmem_claim) {
    if is_err_or_null(c) {
        return;
    }
    // SAFETY: `c` came from `into_foreign` in `p2pmem_claim` and is released once (caller's
    // contract). Dropping it unregisters the revocation, waiting for a callback in progress.
    drop(unsafe { <Pin<KBox<Held>>>::from_foreign(c.cast::<c_void>()) });
}

/// The claim behind a pointer from [`p2pmem_claim`].
///
/// # Safety
///
/// `c` is a claim from [`p2pmem_claim`], not released before `'a` ends.
unsafe fn held<'a>(c: *mut bindings::p2pmem_claim) -> Pin<&'a Held> {
    // SAFETY: `c` came from `into_foreign` and is live for `'a` (caller's contract).
    unsafe { <Pin<KBox<Held>>>::borrow(c.cast::<c_void>()) }
}

/// `p2pmem_claim_set_expire()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `c` is a claim from [`p2pmem_claim`], not released; `expire` is NULL or may be called with
/// `data` from a workqueue until `p2pmem_unclaim()` of `c` returns.
#[no_mangle]
unsafe extern "C" fn p2pmem_claim_set_expire(
    c: *mut bindings::p2pmem_claim,
    expire: Option<unsafe extern "C" fn(*mut c_void)>,
    data: *mut c_void,
) {
    if is_err_or_null(c) {
        return;
    }
    // SAFETY: a live claim (caller's contract).
    let c = unsafe { held(c) };
    // SAFETY: the caller lets `expire(data)` run once from a workqueue while `c` exists
    // (caller's contract), which is what the claim does with it.
    let callback = expire.map(|f| unsafe { CCallback::new(f, data) });
    claim::set_expire(&c, callback);
}

/// `p2pmem_claim_provider()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `c` is a claim from [`p2pmem_claim`], not released.
#[no_mangle]
unsafe extern "C" fn p2pmem_claim_provider(
    c: *mut bindings::p2pmem_claim,
) -> *mut bindings::p2pmem_provider {
    if is_err_or_null(c) {
        return core::ptr::null_mut();
    }
    // SAFETY: a live claim (caller's contract).
    unsafe { held(c) }.provider().as_raw()
}

/// `p2pmem_claim_alloc_sgl()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `c` is a claim from [`p2pmem_claim`], not released; `nents` is a valid out-parameter.
#[no_mangle]
unsafe extern "C" fn p2pmem_claim_alloc_sgl(
    c: *mut bindings::p2pmem_claim,
    nents: *mut c_uint,
    length: u32,
    pages: bool,
) -> *mut kbindings::scatterlist {
    if is_err_or_null(c) || nents.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: a live claim (caller's contract).
    let c = unsafe { held(c) };
    let Some(sgl) = claim::alloc_sgl(&c, length, pages) else {
        return core::ptr::null_mut();
    };
    // The caller frees it with `p2pmem_free_sgl()` on the claim's provider.
    let (sgl, n) = sgl.into_raw();
    // SAFETY: a valid out-parameter (caller's contract).
    unsafe { *nents = n };
    sgl
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
    if client.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `p` is NULL or referenced by the caller for the call (caller's contract).
    let Some(provider) = (unsafe { ProviderRef::from_borrowed(p) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `client` is live for the call (caller's contract).
    let client = unsafe { device::Device::from_raw(client) };
    match claim::dma_api_check_client(&provider, client, verbose) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

const _: () = {
    type Store =
        unsafe extern "C" fn(*const c_char, *mut *mut kbindings::pci_dev, *mut bool) -> c_int;
    let _: [Store; 2] = [bindings::p2pmem_enable_store, p2pmem_enable_store];
    type Show = unsafe extern "C" fn(*mut c_char, *mut kbindings::pci_dev, bool) -> isize;
    let _: [Show; 2] = [bindings::p2pmem_enable_show, p2pmem_enable_show];
    type Claim = unsafe extern "C" fn(
        *mut kbindings::pci_dev,
        *mut *mut kbindings::device,
        c_int,
        *const c_char,
    ) -> *mut bindings::p2pmem_claim;
    let _: [Claim; 2] = [bindings::p2pmem_claim, p2pmem_claim];
    type Unclaim = unsafe extern "C" fn(*mut bindings::p2pmem_claim);
    let _: [Unclaim; 2] = [bindings::p2pmem_unclaim, p2pmem_unclaim];
    type SetExpire = unsafe extern "C" fn(
        *mut bindings::p2pmem_claim,
        Option<unsafe extern "C" fn(*mut c_void)>,
        *mut c_void,
    );
    let _: [SetExpire; 2] = [bindings::p2pmem_claim_set_expire, p2pmem_claim_set_expire];
    type Provider =
        unsafe extern "C" fn(*mut bindings::p2pmem_claim) -> *mut bindings::p2pmem_provider;
    let _: [Provider; 2] = [bindings::p2pmem_claim_provider, p2pmem_claim_provider];
    type Alloc = unsafe extern "C" fn(
        *mut bindings::p2pmem_claim,
        *mut c_uint,
        u32,
        bool,
    ) -> *mut kbindings::scatterlist;
    let _: [Alloc; 2] = [bindings::p2pmem_claim_alloc_sgl, p2pmem_claim_alloc_sgl];
    type Check =
        unsafe extern "C" fn(*mut bindings::p2pmem_provider, *mut kbindings::device, bool) -> c_int;
    let _: [Check; 2] = [bindings::p2pmem_dma_api_check, p2pmem_dma_api_check];
};

// SPDX-License-Identifier: GPL-2.0

//! The entry points `rust/provider.c` calls for `/dev/p2pmemN` and the user mappings of a
//! provider's memory ([`UserMappings`]); see `rust/helpers.h`. The C provider keeps the
//! [`UserMappings`] as an opaque pointer, one reference of an [`Arc`].

use kernel::{
    bindings as kbindings,
    ffi::{
        c_int,
        c_void, //
    },
    mm::virt::VmaNew,
    prelude::*,
    sync::Arc,
    types::ForeignOwnable, //
};

use super::{
    bindings,
    provider::{
        ProviderRef,
        ProviderView, //
    },
};
use crate::user_mapping::UserMappings;

/// The [`UserMappings`] behind `maps`.
///
/// # Safety
///
/// `maps` came from [`p2pmem_user_maps_new`] and is not freed for `'a`.
unsafe fn maps<'a>(maps: *mut c_void) -> kernel::sync::ArcBorrow<'a, UserMappings> {
    // SAFETY: an `Arc` from `into_foreign`, live for `'a` (caller's contract).
    unsafe { <Arc<UserMappings> as ForeignOwnable>::borrow(maps) }
}

#[no_mangle]
extern "C" fn p2pmem_user_maps_new() -> *mut c_void {
    UserMappings::new().map_or(core::ptr::null_mut(), |m| m.into_foreign())
}

/// # Safety
///
/// `maps` is NULL or came from [`p2pmem_user_maps_new`], and is not used after.
#[no_mangle]
unsafe extern "C" fn p2pmem_user_maps_free(maps: *mut c_void) {
    if !maps.is_null() {
        // SAFETY: the reference `p2pmem_user_maps_new` handed out (caller's contract).
        drop(unsafe { <Arc<UserMappings> as ForeignOwnable>::from_foreign(maps) });
    }
}

/// # Safety
///
/// `p` is a live provider whose class device is added, `maps` its user mappings.
#[no_mangle]
unsafe extern "C" fn p2pmem_user_maps_add(
    p: *mut bindings::p2pmem_provider,
    maps: *mut c_void,
) -> c_int {
    // SAFETY: `p` is live for the call (caller's contract).
    let Some(provider) = (unsafe { ProviderRef::from_borrowed(p) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `maps` is live for the call (caller's contract).
    let maps: Arc<UserMappings> = unsafe { self::maps(maps) }.into();
    match maps.add(provider) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `maps` came from [`p2pmem_user_maps_new`] and is live for the call.
#[no_mangle]
unsafe extern "C" fn p2pmem_user_maps_del(maps: *mut c_void) {
    // SAFETY: live for the call (caller's contract).
    unsafe { self::maps(maps) }.del();
}

/// # Safety
///
/// `p` is a live provider being torn down, `maps` its user mappings.
#[no_mangle]
unsafe extern "C" fn p2pmem_user_maps_revoke(p: *mut bindings::p2pmem_provider, maps: *mut c_void) {
    // SAFETY: `p` is live for the call (caller's contract).
    let Some(provider) = (unsafe { ProviderView::from_raw(p) }) else {
        return;
    };
    // SAFETY: live for the call (caller's contract).
    unsafe { self::maps(maps) }.revoke(provider);
}

/// # Safety
///
/// `p` is a live provider, `maps` its user mappings, and `vma` is being set up by the mmap of
/// its `allocate` file.
#[no_mangle]
unsafe extern "C" fn p2pmem_user_maps_mmap_sysfs(
    p: *mut bindings::p2pmem_provider,
    maps: *mut c_void,
    vma: *mut kbindings::vm_area_struct,
) -> c_int {
    // SAFETY: `p` is live for the call (caller's contract: kernfs keeps the file's device).
    let Some(provider) = (unsafe { ProviderRef::from_borrowed(p) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `vma` is being set up in an mmap hook (caller's contract).
    let vma = unsafe { VmaNew::from_raw(vma) };
    // SAFETY: live for the call (caller's contract).
    let maps: Arc<UserMappings> = unsafe { self::maps(maps) }.into();
    match maps.mmap_sysfs(&provider, vma) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

const _: () = {
    let _: [unsafe extern "C" fn() -> *mut c_void; 2] =
        [bindings::p2pmem_user_maps_new, p2pmem_user_maps_new];
    let _: [unsafe extern "C" fn(*mut c_void); 4] = [
        bindings::p2pmem_user_maps_free,
        p2pmem_user_maps_free,
        bindings::p2pmem_user_maps_del,
        p2pmem_user_maps_del,
    ];
    type Add = unsafe extern "C" fn(*mut bindings::p2pmem_provider, *mut c_void) -> c_int;
    let _: [Add; 2] = [bindings::p2pmem_user_maps_add, p2pmem_user_maps_add];
    type Revoke = unsafe extern "C" fn(*mut bindings::p2pmem_provider, *mut c_void);
    let _: [Revoke; 2] = [bindings::p2pmem_user_maps_revoke, p2pmem_user_maps_revoke];
    type Mmap = unsafe extern "C" fn(
        *mut bindings::p2pmem_provider,
        *mut c_void,
        *mut kbindings::vm_area_struct,
    ) -> c_int;
    let _: [Mmap; 2] = [
        bindings::p2pmem_user_maps_mmap_sysfs,
        p2pmem_user_maps_mmap_sysfs,
    ];
};

// SPDX-License-Identifier: GPL-2.0

//! The `p2pmem` device class (`/sys/class/p2pmem`).
//!
//! Rust has no abstraction for `struct class`; the class itself is a static in
//! `rust/helpers.c` and this file owns its registration.

use kernel::{
    error::to_result,
    ffi::c_char,
    page::PAGE_SIZE,
    prelude::*, //
};

use super::bindings;

/// The `p2pmem` class, registered for as long as this value lives.
///
/// # Invariants
///
/// The class is registered with the driver core.
pub(crate) struct ClassRegistration {
    _private: (),
}

impl ClassRegistration {
    /// Registers the class; fails (e.g. with `EEXIST`) if it is registered already.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `p2pmem_class_register` has no preconditions; a second registration is
        // refused with an error by the driver core.
        to_result(unsafe { bindings::p2pmem_class_register() })?;
        // INVARIANT: registration succeeded just above.
        Ok(Self { _private: () })
    }
}

impl Drop for ClassRegistration {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the class is registered, and only this value
        // unregisters it.
        unsafe { bindings::p2pmem_class_unregister() };
    }
}

/// A `core::fmt::Write` into a byte buffer that fails, instead of truncating, when full.
pub(crate) struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceWriter<'a> {
    /// A writer that fills `buf` from its start.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The bytes written.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl core::fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Runs a class attribute's `show` into the sysfs buffer.
///
/// # Safety
///
/// `buf` is the `PAGE_SIZE` buffer sysfs passes to `show`.
unsafe fn show_into(
    buf: *mut c_char,
    show: fn(&mut SliceWriter<'_>) -> core::fmt::Result,
) -> isize {
    // SAFETY: sysfs hands `show` a writable buffer of `PAGE_SIZE` bytes (caller's contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
    let mut w = SliceWriter { buf, len: 0 };
    match show(&mut w) {
        // CAST: at most `PAGE_SIZE`.
        Ok(()) => w.len as isize,
        Err(_) => ENOSPC.to_errno() as isize,
    }
}

/// Runs a class attribute's `store` on the bytes sysfs passed.
///
/// # Safety
///
/// `buf` points to `count` readable bytes, as sysfs passes to `store`.
unsafe fn store_from(buf: *const c_char, count: usize, store: fn(&str) -> Result) -> isize {
    // SAFETY: sysfs hands `store` `count` readable bytes (caller's contract).
    let bytes = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    match core::str::from_utf8(bytes)
        .map_err(|_| EINVAL)
        .and_then(store)
    {
        // CAST: sysfs writes are at most `PAGE_SIZE` bytes.
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `show` of `/sys/class/p2pmem/host_bridge_allow` (called from `rust/helpers.c`).
///
/// # Safety
///
/// `buf` is the `PAGE_SIZE` buffer sysfs passes to `show`.
#[no_mangle]
unsafe extern "C" fn p2pmem_host_bridge_allow_show(buf: *mut c_char) -> isize {
    // SAFETY: forwarded contract.
    unsafe { show_into(buf, |w| crate::host_bridge::show(w)) }
}

/// `store` of `/sys/class/p2pmem/host_bridge_allow` (called from `rust/helpers.c`).
///
/// # Safety
///
/// `buf` points to `count` readable bytes, as sysfs passes to `store`.
#[no_mangle]
unsafe extern "C" fn p2pmem_host_bridge_allow_store(buf: *const c_char, count: usize) -> isize {
    // SAFETY: forwarded contract.
    unsafe { store_from(buf, count, crate::verdict_cache::host_bridge_allow_store) }
}

/// `show` of `/sys/class/p2pmem/wrap` (called from `rust/helpers.c`).
///
/// # Safety
///
/// `buf` is the `PAGE_SIZE` buffer sysfs passes to `show`.
#[no_mangle]
unsafe extern "C" fn p2pmem_wrap_show(buf: *mut c_char) -> isize {
    // SAFETY: forwarded contract.
    unsafe { show_into(buf, |w| crate::wrap::show(w)) }
}

/// `store` of `/sys/class/p2pmem/wrap` (called from `rust/helpers.c`).
///
/// # Safety
///
/// `buf` points to `count` readable bytes, as sysfs passes to `store`.
#[no_mangle]
unsafe extern "C" fn p2pmem_wrap_store(buf: *const c_char, count: usize) -> isize {
    // SAFETY: forwarded contract.
    unsafe { store_from(buf, count, crate::wrap::wrap) }
}

/// `store` of `/sys/class/p2pmem/unwrap` (called from `rust/helpers.c`).
///
/// # Safety
///
/// `buf` points to `count` readable bytes, as sysfs passes to `store`.
#[no_mangle]
unsafe extern "C" fn p2pmem_unwrap_store(buf: *const c_char, count: usize) -> isize {
    // SAFETY: forwarded contract.
    unsafe { store_from(buf, count, crate::wrap::unwrap) }
}

/// `store` of `/sys/class/p2pmem/flush` (called from `rust/helpers.c`).
///
/// # Safety
///
/// `buf` points to `count` readable bytes, as sysfs passes to `store`.
#[no_mangle]
unsafe extern "C" fn p2pmem_flush_store(buf: *const c_char, count: usize) -> isize {
    // SAFETY: forwarded contract.
    unsafe { store_from(buf, count, crate::verdict_cache::flush_store) }
}

// The Rust definitions above must match the prototypes C calls (`rust/helpers.h`).
type Show = unsafe extern "C" fn(*mut c_char) -> isize;
type Store = unsafe extern "C" fn(*const c_char, usize) -> isize;
const _: () = {
    let _: [Show; 4] = [
        bindings::p2pmem_host_bridge_allow_show,
        p2pmem_host_bridge_allow_show,
        bindings::p2pmem_wrap_show,
        p2pmem_wrap_show,
    ];
    let _: [Store; 8] = [
        bindings::p2pmem_flush_store,
        p2pmem_flush_store,
        bindings::p2pmem_host_bridge_allow_store,
        p2pmem_host_bridge_allow_store,
        bindings::p2pmem_wrap_store,
        p2pmem_wrap_store,
        bindings::p2pmem_unwrap_store,
        p2pmem_unwrap_store,
    ];
};

// SPDX-License-Identifier: GPL-2.0

//! The provider's C half (`rust/provider.c`) calls its page index through these functions
//! (declared in `rust/provider.h`); the index is a [`PageIndex`] behind an opaque pointer.

use core::ffi::c_void;

use kernel::{
    ffi::{
        c_int,
        c_ulong, //
    },
    prelude::*, //
};

use crate::page_index::PageIndex;

/// `p2pmem_index_create()`: a new index of `pages` free pages in `*index`; 0 or a negative
/// errno.
///
/// # Safety
///
/// `index` is valid for writes.
#[no_mangle]
unsafe extern "C" fn p2pmem_index_create(pages: c_ulong, index: *mut *mut c_void) -> c_int {
    // `c_ulong` is `usize` in the kernel.
    match PageIndex::new(pages) {
        Ok(i) => {
            // SAFETY: the index is never moved out of its box: C only passes the pointer back
            // here, and `p2pmem_index_destroy` rebuilds the pinned box to drop it.
            let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(i) });
            // SAFETY: `index` is valid for writes (caller's contract).
            unsafe { *index = raw.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// The index behind a pointer from `p2pmem_index_create`.
///
/// # Safety
///
/// `index` came from `p2pmem_index_create` and has not been destroyed, and is not destroyed
/// while the returned reference is used.
unsafe fn index_ref<'a>(index: *mut c_void) -> &'a PageIndex {
    // SAFETY: the caller's contract; the pointer is a live, pinned `PageIndex`.
    unsafe { &*index.cast::<PageIndex>() }
}

/// `p2pmem_index_destroy()`: frees an index.
///
/// # Safety
///
/// `index` came from `p2pmem_index_create`, and nothing uses it during or after the call.
#[no_mangle]
unsafe extern "C" fn p2pmem_index_destroy(index: *mut c_void) {
    // SAFETY: the pointer came from `KBox::into_raw` of a pinned box (caller's contract), so it
    // can be boxed again and dropped in place.
    drop(unsafe { Pin::new_unchecked(KBox::from_raw(index.cast::<PageIndex>())) });
}

/// `p2pmem_index_alloc()`: the first of `pages` contiguous pages, or -1. Any context.
///
/// # Safety
///
/// `index` is live for the call (see [`index_ref`]).
#[no_mangle]
unsafe extern "C" fn p2pmem_index_alloc(index: *mut c_void, pages: c_ulong) -> i64 {
    // SAFETY: the caller's contract.
    let index = unsafe { index_ref(index) };
    index
        .alloc(pages)
        .and_then(|first| i64::try_from(first).ok())
        .unwrap_or(-1)
}

/// `p2pmem_index_free()`: gives back `[first, first + pages)`; `-EINVAL` (and nothing changes)
/// if any of those pages is not allocated. Any context.
///
/// # Safety
///
/// `index` is live for the call (see [`index_ref`]).
#[no_mangle]
unsafe extern "C" fn p2pmem_index_free(
    index: *mut c_void,
    first: c_ulong,
    pages: c_ulong,
) -> c_int {
    // SAFETY: the caller's contract.
    let index = unsafe { index_ref(index) };
    match index.free(first, pages) {
        Ok(()) => 0,
        Err(_) => EINVAL.to_errno(),
    }
}

/// `p2pmem_index_free_pages()`: pages not allocated. Any context.
///
/// # Safety
///
/// `index` is live for the call (see [`index_ref`]).
#[no_mangle]
unsafe extern "C" fn p2pmem_index_free_pages(index: *mut c_void) -> c_ulong {
    // SAFETY: the caller's contract.
    let index = unsafe { index_ref(index) };
    index.free_pages()
}

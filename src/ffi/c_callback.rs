// SPDX-License-Identifier: GPL-2.0

//! A C caller's callback and its argument, kept by Rust and called later (as `void (*fn)(void
//! *data)` pairs are in C APIs).

use kernel::ffi::c_void;

/// A C function and the argument to call it with.
///
/// # Invariants
///
/// `f(data)` may be called once, from any thread in process context, for as long as the
/// value exists (the contract its C caller accepted in [`CCallback::new`]).
#[derive(Clone, Copy)]
pub(crate) struct CCallback {
    f: unsafe extern "C" fn(*mut c_void),
    data: *mut c_void,
}

// SAFETY: the C caller lets the callback run from any thread (type invariant); `data` is only
// handed back to it.
unsafe impl Send for CCallback {}

// SAFETY: see `Send`: the value is two pointers that are only copied.
unsafe impl Sync for CCallback {}

impl CCallback {
    /// Keeps `f` and `data`.
    ///
    /// # Safety
    ///
    /// `f(data)` may be called once, from any thread in process context, for as long as the
    /// returned value (or a copy) exists.
    pub(crate) unsafe fn new(f: unsafe extern "C" fn(*mut c_void), data: *mut c_void) -> Self {
        // INVARIANT: the caller's contract.
        Self { f, data }
    }

    /// Calls the callback; at most once for all copies (the holder's duty).
    pub(crate) fn call(self) {
        // SAFETY: called from process context while the value exists (type invariant).
        unsafe { (self.f)(self.data) }
    }
}

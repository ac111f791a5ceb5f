// SPDX-License-Identifier: GPL-2.0

//! The `p2pmem` device class (`/sys/class/p2pmem`).
//!
//! Rust has no abstraction for `struct class`; the class itself is a static in
//! `rust/helpers.c` and this file owns its registration.

use kernel::{
    error::to_result,
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

/// Whether the `p2pmem` class is registered right now.
#[cfg_attr(not(P2PMEM_KUNIT), expect(dead_code))]
pub(crate) fn is_registered() -> bool {
    // SAFETY: `p2pmem_class_registered` only reads driver-core state; no preconditions.
    unsafe { bindings::p2pmem_class_registered() }
}

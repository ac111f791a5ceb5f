// SPDX-License-Identifier: GPL-2.0

//! The module's parameters (`module_param()` in `rust/helpers.c`: the 7.3 kernel crate's
//! `module!` has no writable or string parameters), as set now.

use kernel::str::{
    CStr,
    CStrExt as _, //
};

use super::bindings;

/// `host_bridge_allow=`, if given: host bridges allowed besides the built-in list.
pub(crate) fn host_bridge_allow() -> Option<&'static CStr> {
    // SAFETY: no preconditions; returns NULL or the parameter string, which lives as long as
    // the module.
    let p = unsafe { bindings::p2pmem_param_host_bridge_allow() };
    // SAFETY: a non-NULL parameter is a NUL-terminated string that is not freed while the module
    // is loaded (module parameters are set before init and are read-only here).
    (!p.is_null()).then(|| unsafe { CStr::from_char_ptr(p) })
}

/// `claim_revoke_timeout`: seconds, not bounded.
pub(crate) fn claim_revoke_timeout() -> u32 {
    // SAFETY: reads a module parameter; callable at any time.
    unsafe { bindings::p2pmem_param_claim_revoke_timeout() }
}

/// `pin_through_iommu`: user mappings may be pinned although an IOMMU translates DMA.
pub(crate) fn pin_through_iommu() -> bool {
    // SAFETY: reads a module parameter; callable at any time.
    unsafe { bindings::p2pmem_param_pin_through_iommu() }
}

/// `pin_when_bouncing`: user mappings may be pinned although swiotlb bounces all DMA.
pub(crate) fn pin_when_bouncing() -> bool {
    // SAFETY: reads a module parameter; callable at any time.
    unsafe { bindings::p2pmem_param_pin_when_bouncing() }
}

/// `clear_user_memory`: zero pool memory before it is mapped into a process.
pub(crate) fn clear_user_memory() -> bool {
    // SAFETY: reads a module parameter; callable at any time.
    unsafe { bindings::p2pmem_param_clear_user_memory() }
}

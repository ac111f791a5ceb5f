// SPDX-License-Identifier: GPL-2.0

//! Per-message rate limits, as the kernel's `dev_warn_ratelimited()` keeps them: one
//! `struct ratelimit_state` per message, defined in `rust/helpers.c` (the kernel crate has no
//! rate-limited printing, and a `ratelimit_state` holds a spinlock that only C can initialise
//! statically). Messages that share a budget use `vcache::refusal_ratelimit()` instead.

use super::bindings;

/// Whether the map shim may log now that the DMA API failed to map provider memory.
pub(crate) fn map_failed() -> bool {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_ratelimit_map_failed() }
}

/// Whether the map shim may log now that a segment leaves its provider's memory.
pub(crate) fn leaves_memory() -> bool {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_ratelimit_leaves_memory() }
}

// SPDX-License-Identifier: GPL-2.0

//! The budget of the messages that say why P2P is refused (a client cannot reach a provider's
//! memory, a DMA mapping would be wrong): all of them share 10 lines per 5 s, so a storm of I/O
//! cannot flood the log.

use crate::ffi::ratelimit::RateLimit;

static REFUSALS: RateLimit = RateLimit::new(c"p2pmem_refusal_ratelimit", 5000, 10);

/// Whether one more refusal message may be logged now. Any context.
pub(crate) fn may_log() -> bool {
    REFUSALS.allow()
}

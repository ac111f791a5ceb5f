// SPDX-License-Identifier: GPL-2.0

//! The DMA limits the map shim reads of a client and the refusal messages' budget, under the
//! names their callers use. The verdict cache itself is `src/verdict_cache.rs`.

use kernel::device;

/// Whether a refusal may be logged now (one budget for all refusal messages).
pub(crate) fn refusal_ratelimit() -> bool {
    crate::refusal::may_log()
}

/// The highest bus address `dev` can reach: its DMA mask, capped by the bus limit.
pub(crate) fn dma_limit(dev: &device::Device) -> u64 {
    super::dma::limit(dev)
}

/// `dev`'s maximum DMA segment size and segment boundary mask.
pub(crate) fn dma_seg_limits(dev: &device::Device) -> (u64, u64) {
    super::dma::seg_limits(dev)
}

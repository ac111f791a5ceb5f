// SPDX-License-Identifier: GPL-2.0

//! The DMA parameters of any device, as the DMA API applies them (`dma_get_mask()`,
//! `bus_dma_limit`, `dma_get_max_seg_size()`, `dma_get_seg_boundary()`,
//! `is_swiotlb_force_bounce()`).
//!
//! C header: [`include/linux/dma-mapping.h`](srctree/include/linux/dma-mapping.h)
//!
//! `kernel::dma::Device` sets these for a driver's own bound device; this reads them for any
//! device (a client of another driver's memory). Each value is a snapshot.

use kernel::device;

use super::{
    bindings,
    dev_raw, //
};

/// `dev`'s DMA mask (`dma_get_mask()`).
pub(crate) fn mask(dev: &device::Device) -> u64 {
    // SAFETY: `dev` is a live device.
    unsafe { bindings::p2pmem_dma_get_mask(dev_raw(dev)) }
}

/// The highest address `dev` can reach: its DMA mask, capped by the bus limit
/// (`bus_dma_limit`, 0 for none), as dma-direct applies them.
pub(crate) fn limit(dev: &device::Device) -> u64 {
    // SAFETY: `dev` is a live device; `bus_dma_limit` is a plain field its bus code sets.
    let bus = unsafe { (*dev_raw(dev)).bus_dma_limit };
    let mask = mask(dev);
    if bus != 0 {
        mask.min(bus)
    } else {
        mask
    }
}

/// `dev`'s maximum DMA segment size and segment boundary mask.
pub(crate) fn seg_limits(dev: &device::Device) -> (u64, u64) {
    // SAFETY: `dev` is a live device.
    let max = unsafe { bindings::p2pmem_dma_get_max_seg_size(dev_raw(dev)) };
    // SAFETY: `dev` is a live device.
    let boundary = unsafe { bindings::p2pmem_dma_get_seg_boundary(dev_raw(dev)) };
    // CAST: `unsigned long` is 64 bits on every architecture the module builds for.
    (u64::from(max), boundary as u64)
}

/// Whether swiotlb bounces every DMA mapping of `dev` (`swiotlb=force`, memory encryption).
pub(crate) fn swiotlb_force_bounce(dev: &device::Device) -> bool {
    // SAFETY: `dev` is a live device.
    unsafe { bindings::p2pmem_is_swiotlb_force_bounce(dev_raw(dev)) }
}

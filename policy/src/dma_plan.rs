// SPDX-License-Identifier: GPL-2.0

//! How the map shim DMA-maps provider memory for a client, one segment at a time.
//!
//! The verdict decides the route: `BUS_ADDR` memory is reached by bus address (CPU physical
//! address plus the provider's bus offset) and never goes through the DMA API, so nothing
//! translates or bounces it; `THRU_HOST_BRIDGE` memory is mapped through the DMA API as MMIO (an
//! IOMMU translates it, dma-direct never bounces it); `NOT_SUPPORTED` fails the whole mapping.

use super::{
    bus_offset::dma_mask_reaches,
    verdict::MapType, //
};

/// How one segment of provider memory is mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentPlan {
    /// The client uses this bus address; nothing is mapped, so nothing is unmapped.
    Bus(u64),
    /// Map the CPU physical address through the DMA API as MMIO (`dma_map_resource`).
    HostBridge,
}

/// Why a segment cannot be mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// The verdict is `NOT_SUPPORTED` (`-EREMOTEIO`).
    NotSupported,
    /// The bus addresses `[first, last]` lie beyond the client's DMA mask; bouncing BAR memory
    /// through RAM is never an option (`-EIO`).
    BeyondMask {
        /// First bus address of the segment.
        first: u64,
        /// Last bus address of the segment.
        last: u64,
        /// The client's mask.
        mask: u64,
    },
    /// The segment wraps around the address space (`-EINVAL`).
    Overflow,
}

/// The plan for `len` bytes at CPU physical address `cpu` of a provider with `bus_offset`
/// (`pci_bus_address() - pci_resource_start()`, wrapping), for a client with DMA mask `mask`
/// whose verdict is `map_type`.
pub fn plan_segment(
    map_type: MapType,
    cpu: u64,
    len: u64,
    bus_offset: u64,
    mask: u64,
) -> Result<SegmentPlan, PlanError> {
    if len == 0 || cpu.checked_add(len - 1).is_none() {
        return Err(PlanError::Overflow);
    }
    match map_type {
        MapType::NotSupported => Err(PlanError::NotSupported),
        // The DMA API checks the mask itself (and an IOMMU remaps within it).
        MapType::ThruHostBridge => Ok(SegmentPlan::HostBridge),
        MapType::BusAddr => {
            let first = cpu.wrapping_add(bus_offset);
            let last = first.checked_add(len - 1).ok_or(PlanError::Overflow)?;
            if !dma_mask_reaches(mask, first, len) {
                return Err(PlanError::BeyondMask { first, last, mask });
            }
            Ok(SegmentPlan::Bus(first))
        }
    }
}

/// Whether a bus-address segment at `next` may extend the previous DMA entry (`prev` with
/// `prev_len` bytes): only when contiguous in bus space and the merged entry stays within the
/// client's maximum segment size `max_seg` and inside one `boundary` window (the client's
/// segment boundary mask, as `dma_get_seg_boundary()`).
pub fn merges(
    prev: u64,
    prev_len: u64,
    next: u64,
    next_len: u64,
    max_seg: u64,
    boundary: u64,
) -> bool {
    let Some(end) = prev.checked_add(prev_len) else {
        return false;
    };
    let Some(total) = prev_len.checked_add(next_len) else {
        return false;
    };
    let Some(last) = next.checked_add(next_len).and_then(|e| e.checked_sub(1)) else {
        return false;
    };
    end == next && total <= max_seg && (prev | boundary) == (last | boundary)
}

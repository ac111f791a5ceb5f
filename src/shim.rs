// SPDX-License-Identifier: GPL-2.0

//! The DMA map shim's decisions: how a client reaches a segment of provider memory.
//!
//! `rust/shim.c` walks scatterlists and calls the DMA API; for every segment of provider memory
//! it asks [`plan`], which takes the (cached) verdict for the pair, applies the provider's bus
//! offset and the client's DMA mask (`policy::dma_plan`), and logs refusals, rate-limited, with
//! the deciding bridge and the fix.

use kernel::{
    device,
    pci,
    prelude::*, //
};

use crate::{
    display::Shown,
    ffi::{
        pci::pci_parent_of,
        vcache, //
    },
    policy::{
        dma_plan::{
            merges,
            plan_segment,
            PlanError,
            SegmentPlan, //
        },
        topology::PciFunction,
    },
    verdict_cache,
};

/// How `client` reaches `len` bytes at CPU address `phys` of `provider`'s BAR memory, whose bus
/// offset is `bus_offset`. Any context.
///
/// Errors: `EREMOTEIO` when the client cannot reach the memory (or is not below a PCI
/// function), `EIO` when the bus address is beyond its DMA mask, `EINVAL` for a bad range.
pub(crate) fn plan(
    client: &device::Device,
    provider: &pci::Device,
    phys: u64,
    len: u64,
    bus_offset: u64,
) -> Result<SegmentPlan> {
    let Some(cpci) = pci_parent_of(client) else {
        if vcache::refusal_ratelimit() {
            dev_warn!(
                client,
                "p2pmem: not below a PCI function, cannot DMA to the memory of {}\n",
                Shown(crate::ffi::pci::PciFn::new(provider).addr())
            );
        }
        return Err(EREMOTEIO);
    };
    let cached = verdict_cache::cached(provider, cpci);
    match plan_segment(
        cached.map_type,
        phys,
        len,
        bus_offset,
        vcache::dma_limit(client),
    ) {
        Ok(p) => Ok(p),
        Err(PlanError::NotSupported) => {
            if vcache::refusal_ratelimit() {
                let v = verdict_cache::fresh(provider, cpci);
                let paddr = crate::ffi::pci::PciFn::new(provider).addr();
                if v.possible() {
                    dev_warn!(
                        client,
                        "p2pmem: the cached verdict for the memory of {} is stale; write 1 to /sys/class/p2pmem/flush\n",
                        Shown(paddr)
                    );
                } else {
                    dev_warn!(
                        client,
                        "p2pmem: cannot DMA to the memory of {}: {}\n",
                        Shown(paddr),
                        Shown(v.reason())
                    );
                }
            }
            Err(EREMOTEIO)
        }
        Err(PlanError::BeyondMask { first, last, mask }) => {
            if vcache::refusal_ratelimit() {
                dev_warn!(
                    client,
                    "p2pmem: bus addresses {:#x}-{:#x} are beyond the DMA mask {:#x}; BAR memory is never bounced: set a wider DMA mask\n",
                    first,
                    last,
                    mask
                );
            }
            Err(EIO)
        }
        Err(PlanError::Overflow) => Err(EINVAL),
    }
}

/// Whether a bus-address segment may extend the previous DMA entry of `client`.
pub(crate) fn merge(
    client: &device::Device,
    prev: u64,
    prev_len: u64,
    next: u64,
    len: u64,
) -> bool {
    let (max_seg, boundary) = vcache::dma_seg_limits(client);
    merges(prev, prev_len, next, len, max_seg, boundary)
}

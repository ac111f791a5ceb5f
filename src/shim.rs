// SPDX-License-Identifier: GPL-2.0

//! The DMA map shim's decisions: how a client reaches a segment of provider memory.
//!
//! `rust/shim.c` walks scatterlists and calls the DMA API. For each provider in a scatterlist it
//! asks [`route`], which takes the (cached) verdict for the pair and the client's DMA limits;
//! for every segment of that provider's memory, [`segment`] applies the bus offset and the DMA
//! mask (`policy::dma_plan`). Refusals are logged, rate-limited, with the deciding bridge and
//! the fix.

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
        verdict::MapType,
    },
    verdict_cache,
};

/// How `client` reaches one provider's memory: the verdict's route and the client's DMA limits.
/// Worked out once per provider in a scatterlist (`rust/shim.c`), then applied to each
/// segment with [`segment`].
#[derive(Clone, Copy)]
pub(crate) struct Route {
    pub(crate) map_type: MapType,
    pub(crate) mask: u64,
    pub(crate) max_seg: u64,
    pub(crate) boundary: u64,
}

/// The route from `client` to `provider`'s memory. Any context.
///
/// Errors: `EREMOTEIO` when the client cannot reach the memory (or is not below a PCI
/// function); the reason is logged, rate-limited, with the deciding bridge and the fix.
pub(crate) fn route(client: &device::Device, provider: &pci::Device) -> Result<Route> {
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
    if cached.map_type == MapType::NotSupported {
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
        return Err(EREMOTEIO);
    }
    let (max_seg, boundary) = vcache::dma_seg_limits(client);
    Ok(Route {
        map_type: cached.map_type,
        mask: vcache::dma_limit(client),
        max_seg,
        boundary,
    })
}

/// How `client` reaches `len` bytes at CPU address `phys` of a provider whose bus offset is
/// `bus_offset`, along `route`. Any context.
///
/// Errors: `EREMOTEIO` for a route that does not reach, `EIO` when the bus address is beyond the
/// client's DMA mask (logged, rate-limited), `EINVAL` for a bad range.
pub(crate) fn segment(
    client: &device::Device,
    route: &Route,
    phys: u64,
    len: u64,
    bus_offset: u64,
) -> Result<SegmentPlan> {
    match plan_segment(route.map_type, phys, len, bus_offset, route.mask) {
        Ok(p) => Ok(p),
        Err(PlanError::NotSupported) => Err(EREMOTEIO),
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

/// Whether a bus-address segment may extend the previous DMA entry of the route's client.
pub(crate) fn merge(route: &Route, prev: u64, prev_len: u64, next: u64, len: u64) -> bool {
    merges(prev, prev_len, next, len, route.max_seg, route.boundary)
}

// SPDX-License-Identifier: GPL-2.0

//! The DMA map shim: maps scatterlists that mix RAM and p2pmem pages, and BAR ranges without
//! struct pages, for a client device (`p2pmem_map_sg()` and the rest of the C API's shim).
//!
//! Per segment, RAM goes through the DMA API as usual and provider memory takes the route its
//! verdict gives ([`route`]): a bus address that nothing maps or unmaps (`BUS_ADDR`), or
//! `dma_map_resource()` so an IOMMU translates it and dma-direct never bounces it
//! (`THRU_HOST_BRIDGE`). For every segment of that provider's memory, [`segment`] applies the bus
//! offset and the DMA mask (`policy::dma_plan`). Refusals are logged, rate-limited, with the
//! deciding bridge and the fix. How each DMA entry was mapped is kept in the mapping's state,
//! which the caller passes back to unmap: this kernel has no `sg->dma_flags`.
//!
//! Segments are mapped one by one, never handed to `dma_map_sg()` together, so an IOMMU cannot
//! coalesce RAM with BAR memory; adjacent bus-address segments merge only when contiguous in bus
//! space ([`merge`]). The route is worked out once per provider in a scatterlist, so a segment
//! costs a page-to-provider lookup and a little arithmetic.

use kernel::{
    device,
    dma::DataDirection,
    ffi::c_ulong,
    pci,
    prelude::*, //
};

use crate::{
    display::Shown,
    ffi::{
        dma,
        dma_mapping::{
            DmaMapping,
            MapKind, //
        },
        pci::{
            pci_parent_of,
            PciFn, //
        },
        provider::{
            bar_info,
            ProviderView,
            Span, //
        },
        ratelimit::RateLimit,
        scatterlist::{
            SGChain,
            SGMapping,
            SGTableMut, //
        },
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
    refusal, verdict_cache,
};

/// The budgets of the shim's own two messages, one each, as `dev_warn_ratelimited()` keeps them
/// (10 per 5 s).
static MAP_FAILED: RateLimit = RateLimit::new(c"p2pmem_map_sg", 5000, 10);
static LEAVES_MEMORY: RateLimit = RateLimit::new(c"p2pmem_map_sg", 5000, 10);

/// How `client` reaches one provider's memory: the verdict's route and the client's DMA limits.
/// Worked out once per provider in a scatterlist, then applied to each segment with
/// [`segment`].
#[derive(Clone, Copy)]
pub(crate) struct Route {
    map_type: MapType,
    mask: u64,
    max_seg: u64,
    boundary: u64,
}

/// The route from `client` to `provider`'s memory. Any context.
///
/// Errors: `EREMOTEIO` when the client cannot reach the memory (or is not below a PCI
/// function); the reason is logged, rate-limited, with the deciding bridge and the fix.
pub(crate) fn route(client: &device::Device, provider: &pci::Device) -> Result<Route> {
    let Some(cpci) = pci_parent_of(client) else {
        if refusal::may_log() {
            dev_warn!(
                client,
                "p2pmem: not below a PCI function, cannot DMA to the memory of {}\n",
                Shown(PciFn::new(provider).addr())
            );
        }
        return Err(EREMOTEIO);
    };
    let cached = verdict_cache::cached(provider, cpci);
    if cached.map_type == MapType::NotSupported {
        if refusal::may_log() {
            let v = verdict_cache::fresh(provider, cpci);
            let paddr = PciFn::new(provider).addr();
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
    let (max_seg, boundary) = dma::seg_limits(client);
    Ok(Route {
        map_type: cached.map_type,
        mask: dma::limit(client),
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
            if refusal::may_log() {
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

/// Maps `len` bytes of provider memory at CPU address `phys` for `client` along `route`
/// ([`segment`]): a bus address, or `dma_map_resource()`.
///
/// Errors: those of [`segment`], and `EIO` when the DMA API fails (logged, rate-limited).
#[expect(clippy::too_many_arguments)]
fn map_segment<'a>(
    client: &'a device::Device,
    route: &Route,
    provider: &pci::Device,
    bus_offset: u64,
    phys: u64,
    len: usize,
    dir: DataDirection,
    attrs: c_ulong,
) -> Result<DmaMapping<'a>> {
    // CAST: lossless, `usize` is at most 64 bits.
    match segment(client, route, phys, len as u64, bus_offset)? {
        SegmentPlan::Bus(addr) => Ok(DmaMapping::bus(client, addr, len, dir, attrs)),
        SegmentPlan::HostBridge => {
            DmaMapping::map_resource(client, phys, len, dir, attrs).map_err(|_| {
                if MAP_FAILED.allow() {
                    dev_warn!(
                        client,
                        "p2pmem: cannot map {} bytes of {} through the host bridge\n",
                        len,
                        PciFn::new(provider).addr()
                    );
                }
                EIO
            })
        }
    }
}

/// The provider a scatterlist walk is in, and its route (worked out once per provider).
struct Current<'a> {
    provider: ProviderView<'a>,
    span: Span,
    route: Option<Route>,
}

/// `p2pmem_map_sg()`: maps the entries of `sgl` for `dev`, segment by segment, and writes the
/// DMA entries into `sgl`; see its kernel-doc in `include/linux/p2pmem.h`. Any context.
///
/// Errors: `EREMOTEIO` when a provider's memory cannot be reached by `dev`, `EIO` when an
/// address is beyond its DMA mask or the DMA API fails, `EINVAL` (no entries, an entry without
/// a page, one leaving its provider's memory) or `ENOMEM`. On error nothing stays mapped.
pub(crate) fn map_sg<'a>(
    dev: &'a device::Device,
    sgl: SGChain<'a>,
    dir: DataDirection,
    attrs: c_ulong,
) -> Result<SGMapping<'a>> {
    if sgl.is_empty() {
        return Err(EINVAL);
    }
    let mut out = SGMapping::new(dev, sgl, dir, attrs, GFP_ATOMIC)?;
    let mut cur: Option<Current<'a>> = None;
    for sg in sgl.iter() {
        let page = sg.page().ok_or(EINVAL)?;
        // CAST: lossless, `usize` is at least 32 bits.
        let len = sg.length() as usize;
        let Some(p) = ProviderView::of_page(&page) else {
            // CAST: as above.
            let m = DmaMapping::map_page(dev, &page, sg.offset() as usize, len, dir, attrs)
                .map_err(|_| EIO)?;
            out.push(m)?;
            continue;
        };
        let c = match cur.take() {
            Some(c) if c.provider == p => c,
            _ => Current {
                provider: p,
                span: p.span(),
                route: None,
            },
        };
        let phys = sg.phys();
        if phys.wrapping_add(u64::from(sg.length())).wrapping_sub(1) > c.span.end {
            if LEAVES_MEMORY.allow() {
                dev_warn!(
                    dev,
                    "p2pmem: a segment leaves the memory of p2pmem{}\n",
                    p.id()
                );
            }
            return Err(EINVAL);
        }
        let route = match c.route {
            Some(r) => r,
            None => route(dev, p.pci())?,
        };
        let bus_offset = c.span.bus_offset;
        cur = Some(Current {
            route: Some(route),
            ..c
        });
        let m = map_segment(dev, &route, p.pci(), bus_offset, phys, len, dir, attrs)?;
        if m.kind() == MapKind::Bus {
            if let Some((prev, prev_len, MapKind::Bus)) = out.last() {
                if merge(
                    &route,
                    prev,
                    prev_len.into(),
                    m.addr(),
                    u64::from(sg.length()),
                ) && out.extend_last(sg.length())
                {
                    // `m` is a bus address: dropping it unmaps nothing.
                    continue;
                }
            }
        }
        out.push(m)?;
    }
    Ok(out)
}

/// `p2pmem_map_sgtable()`: [`map_sg`] of the table's entries, which sets its number of DMA
/// entries.
pub(crate) fn map_sgtable<'a>(
    dev: &'a device::Device,
    sgt: &SGTableMut<'a>,
    dir: DataDirection,
    attrs: c_ulong,
) -> Result<SGMapping<'a>> {
    let m = map_sg(dev, sgt.entries().ok_or(EINVAL)?, dir, attrs)?;
    sgt.set_dma_entries(u32::try_from(m.count()).map_err(|_| EINVAL)?);
    Ok(m)
}

/// `p2pmem_unmap_sgtable()`: unmaps `m` and sets the table's number of DMA entries to 0.
pub(crate) fn unmap_sgtable(sgt: &SGTableMut<'_>, m: SGMapping<'_>) {
    drop(m);
    sgt.set_dma_entries(0);
}

/// `p2pmem_map_range()`: maps `len` bytes at `offset` of BAR `bar` of `provider` for `dev`; see
/// its kernel-doc in `include/linux/p2pmem.h`. Any context.
///
/// Errors: `EINVAL` (not a memory BAR, a range outside it or empty), and those of [`map_sg`].
pub(crate) fn map_range<'a>(
    dev: &'a device::Device,
    provider: &pci::Device,
    bar: i32,
    offset: u64,
    len: usize,
    dir: DataDirection,
    attrs: c_ulong,
) -> Result<DmaMapping<'a>> {
    let b = bar_info(provider, u32::try_from(bar).map_err(|_| EINVAL)?)?;
    // CAST: lossless, `usize` is at most 64 bits.
    if len == 0 || offset >= b.len || len as u64 > b.len - offset {
        return Err(EINVAL);
    }
    let route = route(dev, provider)?;
    map_segment(
        dev,
        &route,
        provider,
        b.bus_start.wrapping_sub(b.cpu_start),
        b.cpu_start.wrapping_add(offset),
        len,
        dir,
        attrs,
    )
}

/// How a client reaches a provider's whole memory ([`dma_route`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DmaRoute {
    /// Bus addresses: CPU physical address plus `bus_offset` (wrapping), mapped through nothing.
    BusAddr {
        /// Bus address minus CPU physical address.
        bus_offset: u64,
    },
    /// The DMA API, as MMIO.
    HostBridge,
}

/// `p2pmem_dma_route()`: the route of [`map_sg`] for the provider's whole memory at once, so
/// that no segment of it can be beyond the client's DMA mask. Any context.
///
/// Errors: `EREMOTEIO` (logged, rate-limited), `EIO` when the memory lies beyond the client's
/// DMA mask.
pub(crate) fn dma_route(p: ProviderView<'_>, client: &device::Device) -> Result<DmaRoute> {
    let span = p.span();
    let route = route(client, p.pci())?;
    let len = span.end.wrapping_sub(span.start).wrapping_add(1);
    match segment(client, &route, span.start, len, span.bus_offset)? {
        SegmentPlan::Bus(bus) => Ok(DmaRoute::BusAddr {
            bus_offset: bus.wrapping_sub(span.start),
        }),
        SegmentPlan::HostBridge => Ok(DmaRoute::HostBridge),
    }
}

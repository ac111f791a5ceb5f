// SPDX-License-Identifier: GPL-2.0

//! Whether a client that maps p2pmem pages with the plain DMA API gets correct addresses.
//!
//! Without `CONFIG_PCI_P2PDMA` the kernel's block and DMA layers treat a BAR page like RAM: a
//! driver such as nvme-pci maps it with `dma_map_page()` and gives the device whatever that
//! returns. That is a correct P2P mapping only if every one of these holds:
//!
//! - P2P between the two functions is possible at all (the verdict is not `NOT_SUPPORTED`);
//! - the host bridge has no bus offset: the DMA API returns the CPU physical address, and the
//!   BAR decodes bus addresses;
//! - the DMA API does not bounce: the memory lies within the client's DMA mask and swiotlb is not
//!   forced for the client (a bounce would copy through RAM, or fail);
//! - no IOMMU translates the client's DMA, or the path through the host bridge is allowed: an
//!   IOVA never matches a BAR (the IOMMU reserves the host bridge windows), so the request goes
//!   up to the root complex, is translated there, and must be routed back down to the provider.
//!
//! [`check`] decides; the caller describes the client's DMA setup in [`DmaApiFacts`].

use core::fmt;

use super::{
    bus_offset::dma_mask_reaches,
    host_bridge::{
        HostBridgeDecision,
        HostBridgePolicy, //
    },
    topology::PciFunction,
    verdict::{
        verdict,
        Verdict, //
    },
};

/// How the client's DMA API would map the provider's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaApiFacts {
    /// The provider's bus offset (bus address minus CPU address, wrapping).
    pub bus_offset: u64,
    /// First bus address of the provider's memory.
    pub bus_start: u64,
    /// Length of the provider's memory in bytes.
    pub len: u64,
    /// The client's effective DMA mask (the smaller of its mask and its bus limit).
    pub dma_mask: u64,
    /// An IOMMU translates the client's DMA ([`iommu_translates`]).
    pub iommu_translates: bool,
    /// swiotlb bounces every mapping of the client (e.g. memory encryption).
    pub force_bounce: bool,
}

/// `__IOMMU_DOMAIN_PAGING` of `include/linux/iommu.h`: the domain maps I/O virtual addresses
/// through page tables (the DMA API's DMA and DMA_FQ domains, and unmanaged ones).
pub const IOMMU_DOMAIN_PAGING: u32 = 1 << 0;

/// Whether an IOMMU translates the DMA of a device attached to a domain of type `domain_type`
/// (`struct iommu_domain.type`; `None` when it has no domain): a paging domain does, identity
/// (passthrough), blocked and the others do not turn a bus address into another. The one
/// definition, for claims, user mappings and the DMA API check.
pub const fn iommu_translates(domain_type: Option<u32>) -> bool {
    match domain_type {
        Some(t) => t & IOMMU_DOMAIN_PAGING != 0,
        None => false,
    }
}

/// Why the plain DMA API would not give the client a correct P2P address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmaApiRefusal {
    /// P2P between the two is not possible; the verdict says why.
    NotSupported(Verdict),
    /// The host bridge has a bus offset, which the DMA API does not apply.
    BusOffset(u64),
    /// swiotlb is forced for the client.
    Bounced,
    /// The memory ends beyond the client's DMA mask, so the DMA API would bounce it.
    Mask {
        /// The client's DMA mask.
        mask: u64,
        /// The last bus address of the memory.
        last: u64,
    },
    /// An IOMMU translates the client's DMA and the host bridge route is not allowed.
    Iommu(HostBridgeDecision),
}

impl fmt::Display for DmaApiRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSupported(v) => write!(f, "P2P is not possible: {}", v.reason()),
            Self::BusOffset(off) => write!(
                f,
                "the host bridge has a bus offset of {off:#x}, which the client's DMA mapping \
                 would not apply"
            ),
            Self::Bounced => f.write_str(
                "the client's DMA is forced through swiotlb bounce buffers, which would copy \
                 through RAM",
            ),
            Self::Mask { mask, last } => write!(
                f,
                "the memory ends at bus address {last:#x}, beyond the client's DMA mask \
                 {mask:#x}, so its DMA mapping would bounce through RAM"
            ),
            Self::Iommu(d) => write!(
                f,
                "an IOMMU translates the client's DMA, so it reaches the memory through the \
                 host bridge, and {d}"
            ),
        }
    }
}

/// Whether `client`, mapping `provider`'s pages with the plain DMA API, gets correct P2P
/// addresses. On success, the verdict for the pair.
pub fn check<F: PciFunction>(
    provider: &F,
    client: &F,
    policy: &HostBridgePolicy<'_>,
    facts: &DmaApiFacts,
) -> Result<Verdict, DmaApiRefusal> {
    let v = verdict(provider, client, policy);
    if !v.possible() {
        return Err(DmaApiRefusal::NotSupported(v));
    }
    if facts.bus_offset != 0 {
        return Err(DmaApiRefusal::BusOffset(facts.bus_offset));
    }
    if facts.force_bounce {
        return Err(DmaApiRefusal::Bounced);
    }
    if !dma_mask_reaches(facts.dma_mask, facts.bus_start, facts.len) {
        return Err(DmaApiRefusal::Mask {
            mask: facts.dma_mask,
            last: facts.bus_start.saturating_add(facts.len.saturating_sub(1)),
        });
    }
    if facts.iommu_translates {
        iommu_route(provider, client, policy, &v)?;
    }
    Ok(v)
}

/// The IOMMU rule of [`check`] on its own: a client whose DMA an IOMMU translates reaches the
/// provider's memory (whose verdict is `v`) through the host bridge, so that route must be
/// allowed.
pub fn iommu_route<F: PciFunction>(
    provider: &F,
    client: &F,
    policy: &HostBridgePolicy<'_>,
    v: &Verdict,
) -> Result<(), DmaApiRefusal> {
    let d = v
        .host_bridge
        .unwrap_or_else(|| policy.decide_for(provider, client));
    if d.allowed() {
        Ok(())
    } else {
        Err(DmaApiRefusal::Iommu(d))
    }
}

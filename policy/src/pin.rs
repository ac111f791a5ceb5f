// SPDX-License-Identifier: GPL-2.0

//! Whether user mappings of a provider may be pinnable, as far as the PCI functions that could
//! be made to DMA to them are concerned (the topology rule of `/dev/p2pmemN`).
//!
//! Without `CONFIG_PCI_P2PDMA` any driver maps a pinned page of a pinnable mapping as if it
//! were RAM (dma-direct: the CPU address). Userspace reaches such drivers through O_DIRECT and
//! io_uring (block devices), MSG_ZEROCOPY (net devices) and memory registration (RDMA devices).
//! So a mapping may be pinnable only when every PCI function it could reach that way gets a
//! correct address from that path:
//!
//! - a client is a bus-mastering PCI function bound to a driver with a device of one of the
//!   [`USER_DMA_CLASSES`] below it ([`is_client`]);
//! - each client must have a P2P verdict other than `NOT_SUPPORTED` to the provider, and when
//!   an IOMMU translates its DMA, the host-bridge route must be allowed: the rules of
//!   [`dma_api::check`], not a second copy ([`client_refusal`]);
//! - root may opt in per provider ([`PinOptIns::any_client`]), which skips the clients, and
//!   with `pin_through_iommu=1` ([`PinOptIns::through_iommu`]), which skips the IOMMU rule.
//!
//! The other facts of [`dma_api::check`] (bus offset, forced swiotlb) are the provider's own
//! rules, decided before this one by the caller; a DMA mask that does not reach the memory makes
//! the DMA API bounce through RAM, which copies correctly.
//!
//! [`dma_api::check`]: super::dma_api::check

use super::{
    dma_api::{
        iommu_route,
        DmaApiRefusal, //
    },
    host_bridge::HostBridgePolicy,
    topology::PciFunction,
    verdict::verdict,
};

/// Device classes through which userspace can make the PCI function above a device DMA from
/// pinned user pages: block devices (O_DIRECT, io_uring), net devices (MSG_ZEROCOPY) and RDMA
/// devices (memory registration).
pub const USER_DMA_CLASSES: [&str; 3] = ["block", "net", "infiniband"];

/// Whether a device of the class named `name` lets userspace make its PCI function DMA from
/// pinned user pages.
pub fn user_dma_class(name: &str) -> bool {
    USER_DMA_CLASSES.contains(&name)
}

/// What the rule needs to know of a PCI function to tell whether it is a client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionState {
    /// Bus mastering is enabled: the function can DMA at all.
    pub bus_master: bool,
    /// A driver is bound to it.
    pub bound: bool,
    /// A device of one of the [`USER_DMA_CLASSES`] is below it (not below a PCI function under
    /// it).
    pub user_dma_below: bool,
}

/// Whether a PCI function in `state` counts as a client of pinnable user mappings.
pub fn is_client(state: FunctionState) -> bool {
    state.bus_master && state.bound && state.user_dma_below
}

/// Root's opt-ins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinOptIns {
    /// The provider's `pin_any_client` attribute: pinnable whatever the clients.
    pub any_client: bool,
    /// The `pin_through_iommu` module parameter: an IOMMU maps the memory for the devices.
    pub through_iommu: bool,
}

impl PinOptIns {
    /// Whether the clients are looked at all.
    pub const fn checks_clients(&self) -> bool {
        !self.any_client
    }
}

/// Why `client` keeps the user mappings of `provider`'s memory CPU-only: `NotSupported` (the
/// verdict says why) or `Iommu`. `None` when it may DMA to them, or when `opt` skips the rule.
/// `iommu_translates` tells whether an IOMMU translates the client's DMA.
pub fn client_refusal<F: PciFunction>(
    provider: &F,
    client: &F,
    policy: &HostBridgePolicy<'_>,
    iommu_translates: bool,
    opt: PinOptIns,
) -> Option<DmaApiRefusal> {
    if !opt.checks_clients() {
        return None;
    }
    let v = verdict(provider, client, policy);
    if !v.possible() {
        return Some(DmaApiRefusal::NotSupported(v));
    }
    if iommu_translates && !opt.through_iommu {
        return iommu_route(provider, client, policy, &v).err();
    }
    None
}

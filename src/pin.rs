// SPDX-License-Identifier: GPL-2.0

//! The topology rule of pinnable user mappings ([`policy::pin`]) on the live PCI functions:
//! the walk over every function, for `p2pmem_pinnable()` in `rust/chardev.c`.
//!
//! [`policy::pin`]: crate::policy::pin

use core::fmt;

use kernel::pci;

use crate::{
    ffi::pci::{
        self as kpci,
        PciFn, //
    },
    host_bridge::Snapshot,
    policy::{
        dma_api::DmaApiRefusal,
        pci_addr::PciAddr,
        pin::{
            client_refusal,
            is_client,
            user_dma_class,
            FunctionState,
            PinOptIns, //
        },
        topology::PciFunction,
    },
};

/// The first client that keeps a provider's user mappings CPU-only, and why.
pub(crate) struct Refusal {
    addr: PciAddr,
    below: [u8; 48],
    below_len: usize,
    why: DmaApiRefusal,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let below = core::str::from_utf8(&self.below[..self.below_len]).unwrap_or("?");
        write!(
            f,
            "{} ({below}) cannot reach the memory: {}",
            self.addr, self.why
        )
    }
}

/// The first PCI function (in `for_each_pci_dev()` order) that is a client of user mappings of
/// `provider`'s memory and may not DMA to them; `None` when there is none, or when `opt` skips
/// the clients. `iommu_translates` tells whether an IOMMU translates a client's DMA.
pub(crate) fn first_refusal(
    provider: &pci::Device,
    opt: PinOptIns,
    iommu_translates: impl Fn(&pci::Device) -> bool,
) -> Option<Refusal> {
    if !opt.checks_clients() {
        return None;
    }
    let allowed = Snapshot::take();
    let policy = allowed.policy();
    let p = PciFn::new(provider);
    for dev in kpci::functions() {
        let mut below = [0u8; 48];
        let found = kpci::class_device_below(&dev, user_dma_class, &mut below).map(str::len);
        let state = FunctionState {
            bus_master: kpci::is_bus_master(&dev),
            bound: kpci::is_bound(&dev),
            user_dma_below: found.is_some(),
        };
        if !is_client(state) {
            continue;
        }
        let c = PciFn::new(&dev);
        if let Some(why) = client_refusal(&p, &c, &policy, iommu_translates(&dev), opt) {
            return Some(Refusal {
                addr: c.addr(),
                below,
                below_len: found.unwrap_or(0),
                why,
            });
        }
    }
    None
}

// SPDX-License-Identifier: GPL-2.0

//! Whether user mappings of a provider's memory may be pinned ([`pinnable`], for `mmap` in
//! [`crate::user_mapping`]): not with a bus offset, not through a translating IOMMU or a bouncing
//! swiotlb unless the administrator allows it, and not while a client of user mappings cannot
//! reach the memory (the topology rule of [`policy::pin`], on the live PCI functions).
//!
//! [`policy::pin`]: crate::policy::pin

use core::fmt;

use kernel::{
    pci,
    prelude::*, //
};

use crate::{
    claim::iommu_translates,
    display::Shown,
    ffi::{
        dma,
        pci::{
            self as kpci,
            PciFn, //
        },
        provider::ProviderView,
        ratelimit::RateLimit,
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

/// What the administrator allows beyond the default rule: the provider's `pin_any_client`, and
/// the module parameters `pin_through_iommu` and `pin_when_bouncing`.
#[derive(Clone, Copy)]
pub(crate) struct PinAllowed {
    /// Skip the clients' topology check.
    pub(crate) any_client: bool,
    /// Pin although an IOMMU translates DMA.
    pub(crate) through_iommu: bool,
    /// Pin although swiotlb bounces all DMA.
    pub(crate) when_bouncing: bool,
}

/// The budget of the topology refusal's message (10 per 5 s, as `dev_info_ratelimited()`).
static TOPOLOGY_REFUSALS: RateLimit = RateLimit::new(c"p2pmem_pinnable", 5000, 10);

/// Whether user mappings of `p`'s memory may be pinned (have struct pages that GUP hands to
/// any driver); otherwise they are CPU-only. Logs why not: the first time for the provider-wide
/// reasons, rate-limited for a client that cannot reach the memory.
pub(crate) fn pinnable(p: ProviderView<'_>, allowed: PinAllowed) -> bool {
    let dev = p.device();
    let pdev = p.pci();
    let bus_offset = p.span().bus_offset;
    if bus_offset != 0 {
        kernel::do_once_lite! {
            dev_info!(dev, "bus offset {:#x}: user mappings are CPU-only\n", bus_offset)
        };
        return false;
    }
    if iommu_translates(pdev.as_ref()) && !allowed.through_iommu {
        kernel::do_once_lite! {
            dev_info!(
                dev,
                "an IOMMU translates DMA: user mappings are CPU-only (pin_through_iommu=1 to \
                 override)\n"
            )
        };
        return false;
    }
    // swiotlb=force or memory encryption: dma-direct would copy the data through RAM.
    if dma::swiotlb_force_bounce(pdev.as_ref()) && !allowed.when_bouncing {
        kernel::do_once_lite! {
            dev_info!(
                dev,
                "swiotlb bounces all DMA: user mappings are CPU-only (pin_when_bouncing=1 to \
                 override)\n"
            )
        };
        return false;
    }
    // Topology: every function user space can make DMA to the pages must reach them.
    let opt = PinOptIns {
        any_client: allowed.any_client,
        through_iommu: allowed.through_iommu,
    };
    if let Some(r) = first_refusal(pdev, opt, |d| iommu_translates(d.as_ref())) {
        if TOPOLOGY_REFUSALS.allow() {
            dev_info!(
                dev,
                "user mappings are CPU-only: {}; to pin anyway: echo 1 > \
                 /sys/class/p2pmem/p2pmem{}/pin_any_client\n",
                Shown(r),
                p.id()
            );
        }
        return false;
    }
    true
}

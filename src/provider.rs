// SPDX-License-Identifier: GPL-2.0

//! A p2pmem provider: a validated BAR range of a PCI function, mapped as ZONE_DEVICE pages and
//! handed out from a pool, visible as `/sys/class/p2pmem/p2pmemN`.

use kernel::{
    pci,
    prelude::*, //
};

use crate::{
    display::Shown,
    ffi::pci::PciFn,
    ffi::provider::{
        bar_info,
        compat_align,
        range_is_ram,
        MemRegion,
        ProviderMem, //
    },
    policy::{
        bar::{
            check_own,
            check_placed,
            BarRefusal, //
        },
        provider_range,
        topology::PciFunction, //
    },
    registry::{
        Listed,
        RangeClaim, //
    },
};

/// Who owns a provider's range in the resource tree, which decides what p2pmem checks.
#[derive(Clone, Copy)]
pub(crate) enum Owner {
    /// The function's driver, which has requested its BARs (the C API: nvme for its CMB).
    Driver,
    /// p2pmem, for a `wrap`; `force` allows a BAR that is not prefetchable.
    Wrap {
        /// The request said `force`.
        force: bool,
    },
    /// p2pmem, for the memory-BAR driver (which has no `force`).
    MemBar,
}

/// A provider; its memory is unmapped when it is dropped, after every allocation is freed,
/// and only then is its range free for another provider.
pub(crate) struct Provider {
    // Dropped in this order: the registry entry (no lookup finds it from then on), the pages,
    // the resource-tree range, the claim.
    _listed: Listed,
    mem: ProviderMem,
    _region: Option<MemRegion>,
    _claim: RangeClaim,
}

impl Provider {
    /// Makes `[offset, offset + size)` of BAR `bar` of `pdev` a provider (`size` 0: the rest of
    /// the BAR). The BAR must be placed (assigned, enabled, in the resource tree); when p2pmem is
    /// the `owner`, also prefetchable (unless forced), and the range must be free in the resource
    /// tree: it is requested, busy as `p2pmem`, until the provider is dropped. Refusals say why in
    /// one dmesg line naming the device.
    pub(crate) fn new(
        pdev: &pci::Device,
        bar: u32,
        offset: u64,
        size: u64,
        owner: Owner,
    ) -> Result<Self> {
        Self::create(pdev, bar, offset, size, owner, None)
    }

    /// A provider of a driver's BAR, as [`Self::new`] makes it, that pretends the host bridge's
    /// bus offset is `bus_offset` (x86 has none).
    #[cfg(P2PMEM_KUNIT)]
    pub(crate) fn with_bus_offset(
        pdev: &pci::Device,
        bar: u32,
        size: u64,
        bus_offset: Option<u64>,
    ) -> Result<Self> {
        Self::create(pdev, bar, 0, size, Owner::Driver, bus_offset)
    }

    fn create(
        pdev: &pci::Device,
        bar: u32,
        offset: u64,
        size: u64,
        owner: Owner,
        bus_offset: Option<u64>,
    ) -> Result<Self> {
        if cfg!(CONFIG_PCI_P2PDMA) {
            // The in-tree P2PDMA would take our pages for its own: benchmark-only mode
            // (rust/bench.c) keeps them in the module.
            dev_info!(
                pdev,
                "p2pmem: this kernel has CONFIG_PCI_P2PDMA=y: benchmark-only provider (never \
                 published, no /dev node); p2pmem provides P2P memory only on kernels without it\n"
            );
        }
        let info = bar_info(pdev, bar).inspect_err(|_| {
            dev_err!(pdev, "p2pmem: BAR {} is not a memory BAR\n", bar);
        })?;
        let usable = match owner {
            Owner::Driver => check_placed(&info.facts),
            Owner::Wrap { force } => check_own(&info.facts, force),
            Owner::MemBar => check_own(&info.facts, false),
        };
        usable.map_err(|why| {
            let hint = match (why, owner) {
                (BarRefusal::NotPrefetchable, Owner::Wrap { .. }) => {
                    "; add 'force' if it is memory"
                }
                (BarRefusal::NotPrefetchable, _) => {
                    "; if it is memory, unbind the device and wrap the BAR with 'force'"
                }
                _ => "",
            };
            dev_err!(pdev, "p2pmem: BAR {} {}{}\n", bar, Shown(why), hint);
            EINVAL
        })?;
        let range = provider_range::resolve(info.cpu_start, info.len, offset, size, compat_align())
            .map_err(|e| {
                dev_err!(pdev, "p2pmem: BAR {}: {}\n", bar, Shown(e));
                EINVAL
            })?;
        let start = info.cpu_start + range.offset;
        if range_is_ram(start, range.size) {
            dev_err!(
                pdev,
                "p2pmem: BAR {} range at {:#x} overlaps System RAM\n",
                bar,
                start
            );
            return Err(EINVAL);
        }
        let claim = RangeClaim::new(start, range.size, PciFn::new(pdev).addr(), bar)?;
        let region = match owner {
            Owner::Driver => None,
            Owner::Wrap { .. } | Owner::MemBar => {
                Some(MemRegion::request(start, range.size).ok_or_else(|| {
                    dev_err!(
                        pdev,
                        "p2pmem: BAR {} range {:#x}+{:#x} is busy (/proc/iomem); not taking it\n",
                        bar,
                        start,
                        range.size
                    );
                    EBUSY
                })?)
            }
        };
        let mem =
            ProviderMem::new(pdev, bar, range.offset, range.size, bus_offset).inspect_err(|e| {
                dev_err!(
                    pdev,
                    "p2pmem: cannot map BAR {} as P2P memory: {:?}\n",
                    bar,
                    e
                );
            })?;
        dev_info!(
            pdev,
            "p2pmem{}: {} MiB of BAR {} at offset {:#x} (bus {:#x})\n",
            mem.id(),
            range.size >> 20,
            bar,
            range.offset,
            info.bus_start + range.offset
        );
        let listed = claim.list(mem.reference())?;
        Ok(Self {
            _listed: listed,
            mem,
            _region: region,
            _claim: claim,
        })
    }

    /// The N of `p2pmemN`.
    pub(crate) fn id(&self) -> i32 {
        self.mem.id()
    }

    /// Offers the memory to consumers that look for any provider.
    pub(crate) fn publish(&self) {
        self.mem.view().publish(true);
    }
}

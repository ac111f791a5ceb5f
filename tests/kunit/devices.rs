// SPDX-License-Identifier: GPL-2.0

//! The `switch` VM topology's devices the KUnit suites use.

use kernel::{
    pci as kpci,
    sync::aref::ARef, //
};

use crate::{
    ffi::{
        pci::{
            self,
            PciFn, //
        },
        provider::bar_info,
    },
    policy::{
        pci_addr::PciAddr,
        topology::{
            PciFunction,
            PciId, //
        },
    },
};

/// Size of the CMB (BAR 2) of the topology's CMB NVMe.
pub(crate) const CMB_SIZE: u64 = 64 << 20;

/// The first PCI function in domain 0 with `id` for which `pred` holds.
pub(crate) fn find(id: PciId, pred: impl Fn(&kpci::Device) -> bool) -> Option<ARef<kpci::Device>> {
    for bus in 0..=255u8 {
        for devfn in 0..=255u8 {
            let Some(pdev) = pci::get(PciAddr::from_devfn(0, bus, devfn)) else {
                continue;
            };
            if PciFn::new(&pdev).id() == id && pred(&pdev) {
                return Some(pdev);
            }
        }
    }
    None
}

/// The first QEMU NVMe with a 64 MiB BAR 2 (its CMB).
pub(crate) fn cmb_nvme() -> Option<ARef<kpci::Device>> {
    find(PciId::new(0x1b36, 0x0010), |d| {
        bar_info(d, 2).is_ok_and(|b| b.len == CMB_SIZE)
    })
}

/// The edu device (a DMA engine).
pub(crate) fn edu() -> Option<ARef<kpci::Device>> {
    find(PciId::new(0x1234, 0x11e8), |_| true)
}

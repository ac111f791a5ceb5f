// SPDX-License-Identifier: GPL-2.0

//! A PCI driver for plain memory-BAR devices: it makes the whole BAR a published provider.
//!
//! ivshmem-plain (1af4:1110, BAR 2) is in the ID table; other devices can be bound with
//! `driver_override` (BAR 2; `new_id` is refused, as it cannot carry the table's driver data,
//! a kernel pointer in a Rust driver). An NVMe controller bound this way serves its Controller
//! Memory Buffer: the driver enables it (CMBMSC) and provides the range CMBLOC and CMBSZ
//! describe. The range is requested in the resource tree (busy as `p2pmem`) and must be
//! prefetchable; under lockdown (`LOCKDOWN_PCI_ACCESS`) the driver binds nothing.

use kernel::{
    device::Core,
    pci,
    prelude::*, //
};

use crate::{
    ffi::provider::pci_access_locked_down,
    nvme_cmb,
    provider::{
        Owner,
        Provider, //
    },
    refusal,
};

/// The driver.
pub(crate) struct MemBarDriver;

/// Per-device data: the provider, torn down at unbind.
pub(crate) struct MemBarData {
    _provider: Provider,
}

/// The BAR that holds the memory, as the ID table's driver data.
type BarIndex = u32;

kernel::pci_device_table!(
    PCI_TABLE,
    <MemBarDriver as pci::Driver>::IdInfo,
    [(
        pci::DeviceId::from_id(pci::Vendor::REDHAT_QUMRANET, 0x1110),
        2
    )]
);

impl pci::Driver for MemBarDriver {
    type IdInfo = BarIndex;
    type Data<'bound> = MemBarData;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        // The provider's /dev/p2pmemN is user space access to the BAR: the kernel's rule for
        // /sys/bus/pci/devices/*/resourceN applies. Before anything touches the device.
        pci_access_locked_down().inspect_err(|_| {
            if refusal::may_log() {
                dev_info!(
                    pdev,
                    "p2pmem: not binding: the kernel is locked down, which forbids user space \
                     access to PCI BARs (/dev/p2pmemN would be one)\n"
                );
            }
        })?;
        pdev.enable_device_mem()?;
        let (provider, publish) = if pdev.pci_class() == pci::Class::STORAGE_EXPRESS {
            let cmb = nvme_cmb::enable(pdev)?;
            let provider = Provider::new(pdev, cmb.bar, cmb.offset, cmb.size, Owner::MemBar)?;
            // As nvme-pci: a CMB the controller takes no read and write data from is no place
            // for a peer's data.
            if !cmb.peer_data {
                dev_info!(
                    pdev,
                    "p2pmem: the CMB does not hold read and write data (CMBSZ.RDS and WDS not \
                     both set): not publishing it; claims naming this device still work\n"
                );
            }
            (provider, cmb.peer_data)
        } else {
            let bar = info.copied().unwrap_or(2);
            (Provider::new(pdev, bar, 0, 0, Owner::MemBar)?, true)
        };
        if publish {
            provider.publish();
        }
        Ok(MemBarData {
            _provider: provider,
        })
    }
}

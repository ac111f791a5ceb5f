// SPDX-License-Identifier: GPL-2.0

//! A PCI driver for plain memory-BAR devices: it makes the whole BAR a published provider.
//!
//! ivshmem-plain (1af4:1110, BAR 2) is in the ID table; other devices can be bound with
//! `new_id` (the driver data is then BAR 2) or `driver_override`. An NVMe controller bound this
//! way serves its Controller Memory Buffer: the driver enables it (CMBMSC) and provides the
//! range CMBLOC and CMBSZ describe.

use kernel::{
    device::Core,
    pci,
    prelude::*, //
};

use crate::{
    nvme_cmb,
    provider::Provider, //
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
        pdev.enable_device_mem()?;
        let provider = if pdev.pci_class() == pci::Class::STORAGE_EXPRESS {
            let cmb = nvme_cmb::enable(pdev)?;
            Provider::new(pdev, cmb.bar, cmb.offset, cmb.size)?
        } else {
            Provider::new(pdev, info.copied().unwrap_or(2), 0, 0)?
        };
        provider.publish();
        Ok(MemBarData {
            _provider: provider,
        })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! A PCI driver for plain memory-BAR devices: it makes the whole BAR a published provider.
//!
//! The driver binds only the devices an administrator names for it with `driver_override`
//! (`echo p2pmem_membar > /sys/bus/pci/devices/<address>/driver_override`, then the address to
//! `/sys/bus/pci/drivers_probe`); a device named before the module loads is bound when it
//! loads. Its ID table is empty: no device matches by ID, so the module has no PCI alias and
//! is loaded for no device, and an ivshmem-plain device (1af4:1110), which other software
//! uses too, is left alone unless named. `new_id` is refused (`EINVAL`): the PCI core accepts
//! a new ID only with the driver data of an entry of the table. A named device provides its
//! whole BAR 2. An NVMe controller named this way serves its Controller Memory Buffer instead:
//! the driver enables it (CMBMSC) and provides the range CMBLOC and CMBSZ describe. The range
//! is requested in the resource tree (busy as `p2pmem`) and must be prefetchable; under
//! lockdown (`LOCKDOWN_PCI_ACCESS`) the driver binds nothing.

use kernel::{
    device::Core,
    device_id::IdArray,
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

/// The BAR a named device provides (an NVMe controller's CMB is wherever CMBLOC says).
const BAR: u32 = 2;

/// The ID table: empty, only the zero terminator. No device matches by ID; a device named with
/// `driver_override` matches through the PCI core's catch-all ID, whose driver data is 0 (so
/// `probe` sees no ID info). Not a module device table (`module_device_table!`): modpost
/// generates no alias from it, so nothing loads the module for a device. The table must still
/// exist: with no table (a NULL `id_table`) `new_id` would accept any driver data, which the
/// Rust PCI adapter reads as a pointer to ID info. With an empty one, `new_id` finds no entry
/// whose driver data the new ID could carry and fails with `EINVAL`.
static PCI_TABLE: IdArray<pci::DeviceId, (), 0> = IdArray::new_without_index([]);

impl pci::Driver for MemBarDriver {
    type IdInfo = ();
    type Data<'bound> = MemBarData;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
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
            (Provider::new(pdev, BAR, 0, 0, Owner::MemBar)?, true)
        };
        if publish {
            provider.publish();
        }
        Ok(MemBarData {
            _provider: provider,
        })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! A provider's pool on real ZONE_DEVICE memory: the CMB BAR of the `switch` VM topology's NVMe
//! (no driver is bound to it there).

use kernel::prelude::*;

#[kunit_tests(p2pmem_provider)]
mod tests {
    use crate::{
        ffi::{
            pci::{
                self,
                PciFn, //
            },
            provider::{
                bar_info,
                ProviderMem, //
            },
        },
        policy::{
            pci_addr::PciAddr,
            topology::{
                PciFunction,
                PciId, //
            },
        },
    };
    use kernel::{
        pci as kpci,
        prelude::*,
        sync::aref::ARef, //
    };

    const SIZE: u64 = 64 << 20;
    const PAGE: usize = 4096;

    /// The first QEMU NVMe with a 64 MiB BAR 2 (its CMB).
    fn cmb_nvme() -> Option<ARef<kpci::Device>> {
        for bus in 0..=255u8 {
            for devfn in 0..=255u8 {
                let Some(pdev) = pci::get(PciAddr::from_devfn(0, bus, devfn)) else {
                    continue;
                };
                if PciFn::new(&pdev).id() == PciId::new(0x1b36, 0x0010)
                    && bar_info(&pdev, 2).is_ok_and(|b| b.len == SIZE)
                {
                    return Some(pdev);
                }
            }
        }
        None
    }

    #[test]
    fn pool_on_a_real_bar() -> Result {
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let bar = bar_info(&pdev, 2)?;
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE)?;
        assert_eq!(mem.avail(), SIZE as usize);

        let a = mem.alloc(PAGE).ok_or(ENOMEM)?;
        let b = mem.alloc(1 << 20).ok_or(ENOMEM)?;
        for (x, len) in [(&a, PAGE as u64), (&b, 1 << 20)] {
            assert!(x.bus_addr() >= bar.bus_start);
            assert!(x.bus_addr() + len <= bar.bus_start + SIZE);
            assert_eq!(x.bus_addr() % PAGE as u64, 0);
        }
        assert!(
            a.bus_addr() + PAGE as u64 <= b.bus_addr() || b.bus_addr() + (1 << 20) <= a.bus_addr()
        );
        assert_eq!(mem.avail(), SIZE as usize - PAGE - (1 << 20));
        drop(a);
        drop(b);
        assert_eq!(mem.avail(), SIZE as usize);
        Ok(())
    }

    #[test]
    fn exhausts_and_recovers() -> Result {
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE)?;
        let all = mem.alloc(SIZE as usize).ok_or(ENOMEM)?;
        assert!(mem.alloc(PAGE).is_none());
        assert_eq!(mem.avail(), 0);
        drop(all);
        let again = mem.alloc(PAGE);
        assert!(again.is_some());
        assert!(mem.alloc(0).is_none());
        Ok(())
    }
}

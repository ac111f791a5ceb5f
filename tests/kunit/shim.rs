// SPDX-License-Identifier: GPL-2.0

//! The map shim on a provider that pretends a host bridge with a bus offset (x86 has none): the
//! CMB of the `switch` topology's NVMe, mapped for the edu device on the same switch (BUS_ADDR).

use kernel::prelude::*;

#[kunit_tests(p2pmem_shim)]
mod tests {
    use core::ptr::NonNull;

    use crate::{
        ffi::{
            provider::{
                bar_info,
                ProviderMem, //
            },
            testing::{
                dma_mask,
                map_sg,
                page_provider_id,
                set_dma_mask,
                virt_to_phys, //
            },
        },
        kunit::devices::{
            cmb_nvme,
            edu,
            CMB_SIZE, //
        },
    };
    use kernel::{
        device,
        dma::DataDirection,
        pci as kpci,
        prelude::*, //
    };

    /// `p2pmem_map_range()` through its Rust form: the DMA address, unmapped at once.
    fn map_range(
        client: &device::Device,
        provider: &kpci::Device,
        bar: i32,
        offset: u64,
        len: usize,
    ) -> Result<u64> {
        let m = crate::shim::map_range(
            client,
            provider,
            bar,
            offset,
            len,
            DataDirection::ToDevice,
            0,
        )?;
        Ok(m.addr())
    }

    /// Bus = CPU + this, as a host bridge with a 64-bit window would have it.
    const OFFSET: u64 = 0x1000_0000_0000;
    const PAGE: usize = 4096;

    #[test]
    fn map_sg_applies_the_bus_offset_exactly() -> Result {
        let cmb = cmb_nvme().ok_or(ENODEV)?;
        let client = edu().ok_or(ENODEV)?;
        let client = client.as_ref();
        let mem = ProviderMem::new(&cmb, 2, 0, CMB_SIZE, Some(OFFSET))?;
        let a = mem.alloc(2 * PAGE).ok_or(ENOMEM)?;
        let b = mem.alloc(PAGE).ok_or(ENOMEM)?;
        let mut ram = KVec::<u8>::with_capacity(PAGE, GFP_KERNEL)?;
        let ram_ptr = NonNull::new(ram.as_mut_ptr().cast()).ok_or(ENOMEM)?;
        let (pa, pb) = (virt_to_phys(a.as_ptr()), virt_to_phys(b.as_ptr()));
        assert_eq!(a.bus_addr(), pa + OFFSET);
        assert_eq!(page_provider_id(a.as_ptr()), Some(mem.id()));
        assert_eq!(page_provider_id(ram_ptr), None);

        // The edu device has the PCI default 32-bit mask: bus addresses above 4 GiB are refused,
        // never bounced.
        let saved = dma_mask(client);
        set_dma_mask(client, u64::from(u32::MAX))?;
        assert_eq!(map_sg(client, &[(a.as_ptr(), 4096)]).err(), Some(EIO));
        // RAM alone still maps.
        assert_eq!(map_sg(client, &[(ram_ptr, 2048)])?.len(), 1);

        set_dma_mask(client, u64::MAX)?;
        let second_page = a.as_ptr().map_addr(|p| p.saturating_add(PAGE));
        let with_offset = a.as_ptr().map_addr(|p| p.saturating_add(512));
        // A fresh pool hands out `b` right after `a`.
        assert_eq!(pb, pa + 2 * PAGE as u64);
        // Two pages of `a` and `b` are contiguous in bus space: one entry; RAM is its own entry
        // at its physical address (dma-direct, no IOMMU here).
        let m = map_sg(
            client,
            &[
                (a.as_ptr(), 4096),
                (second_page, 4096),
                (b.as_ptr(), 4096),
                (ram_ptr, 2048),
            ],
        )?;
        assert_eq!(m.len(), 2);
        assert_eq!(m[0], (pa + OFFSET, 3 * 4096));
        assert_eq!(m[1], (virt_to_phys(ram_ptr), 2048));

        // RAM between provider segments splits them; an in-page offset is kept.
        let m = map_sg(
            client,
            &[(with_offset, 1000), (ram_ptr, 2048), (b.as_ptr(), 4096)],
        )?;
        assert_eq!(m.len(), 3);
        assert_eq!(m[0], (pa + 512 + OFFSET, 1000));
        assert_eq!(m[1], (virt_to_phys(ram_ptr), 2048));
        assert_eq!(m[2], (pb + OFFSET, 4096));

        // A range beyond the mask fails as a whole, even after segments that mapped.
        set_dma_mask(client, OFFSET + pa + 4095)?;
        assert_eq!(
            map_sg(
                client,
                &[(ram_ptr, 2048), (a.as_ptr(), 4096), (b.as_ptr(), 4096)]
            )
            .err(),
            Some(EIO)
        );
        set_dma_mask(client, saved)?;
        drop(ram);
        Ok(())
    }

    #[test]
    fn map_sg_refuses_a_segment_leaving_the_provider() -> Result {
        let cmb = cmb_nvme().ok_or(ENODEV)?;
        let client = edu().ok_or(ENODEV)?;
        let client = client.as_ref();
        let mem = ProviderMem::new(&cmb, 2, 0, CMB_SIZE, Some(OFFSET))?;
        // The whole pool, so its last page is ours.
        let size = usize::try_from(CMB_SIZE)?;
        let all = mem.alloc(size).ok_or(ENOMEM)?;
        let last = all.as_ptr().map_addr(|p| p.saturating_add(size - PAGE));
        let mut ram = KVec::<u8>::with_capacity(PAGE, GFP_KERNEL)?;
        let ram_ptr = NonNull::new(ram.as_mut_ptr().cast()).ok_or(ENOMEM)?;
        let saved = dma_mask(client);
        set_dma_mask(client, u64::MAX)?;
        // The last page on its own maps, at its bus address.
        let m = map_sg(client, &[(last, 4096)])?;
        assert_eq!(m.len(), 1);
        assert_eq!(m[0], (virt_to_phys(last) + OFFSET, 4096));
        // One byte past the end of the memory: refused, also after a RAM segment that mapped
        // (which is unmapped again).
        assert_eq!(map_sg(client, &[(last, 4097)]).err(), Some(EINVAL));
        assert_eq!(
            map_sg(client, &[(ram_ptr, 2048), (last, 8192)]).err(),
            Some(EINVAL)
        );
        // RAM and p2pmem, alternating: each its own entry.
        let m = map_sg(
            client,
            &[
                (ram_ptr, 512),
                (all.as_ptr(), 4096),
                (ram_ptr, 1024),
                (last, 4096),
            ],
        )?;
        assert_eq!(m.len(), 4);
        assert_eq!(m[0], (virt_to_phys(ram_ptr), 512));
        assert_eq!(m[1], (virt_to_phys(all.as_ptr()) + OFFSET, 4096));
        assert_eq!(m[2], (virt_to_phys(ram_ptr), 1024));
        assert_eq!(m[3], (virt_to_phys(last) + OFFSET, 4096));
        set_dma_mask(client, saved)?;
        drop(ram);
        Ok(())
    }

    #[test]
    fn map_range_without_pages() -> Result {
        let cmb = cmb_nvme().ok_or(ENODEV)?;
        let client = edu().ok_or(ENODEV)?;
        let client = client.as_ref();
        let bar = bar_info(&cmb, 2)?;
        let saved = dma_mask(client);
        set_dma_mask(client, u64::MAX)?;
        // x86: bus address == CPU address of the BAR.
        assert_eq!(
            map_range(client, &cmb, 2, 0x1000, 8192)?,
            bar.bus_start + 0x1000
        );
        assert_eq!(
            map_range(client, &cmb, 2, CMB_SIZE - 4096, 4096)?,
            bar.bus_start + CMB_SIZE - 4096
        );
        // Out of the BAR, empty, or not a memory BAR.
        assert_eq!(
            map_range(client, &cmb, 2, CMB_SIZE - 4096, 8192).err(),
            Some(EINVAL)
        );
        assert_eq!(map_range(client, &cmb, 2, 0, 0).err(), Some(EINVAL));
        assert_eq!(map_range(client, &cmb, 1, 0, 4096).err(), Some(EINVAL));
        set_dma_mask(client, saved)?;
        Ok(())
    }
}

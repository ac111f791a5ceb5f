// SPDX-License-Identifier: GPL-2.0

//! Claims on a real provider (the CMB BAR of the `switch` VM topology's NVMe, no driver bound)
//! for the edu device below the same switch: the DMA API check of every client (bus offset and
//! DMA limit), allocation through the claim, and revocation.

use kernel::prelude::*;

#[kunit_tests(p2pmem_claim)]
mod tests {
    use crate::{
        claim::{
            alloc_sgl,
            claim,
            enable_show,
            enable_store, //
        },
        ffi::{
            class::SliceWriter,
            provider::bar_info,
            testing::{
                dma_mask,
                set_dma_mask, //
            },
        },
        kunit::devices::{
            cmb_nvme,
            edu,
            CMB_SIZE, //
        },
        provider::Provider,
    };
    use kernel::{
        device,
        prelude::*, //
    };

    #[test]
    fn a_claim_checks_its_clients_and_fails_allocations_once_revoked() -> Result {
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let client = edu().ok_or(ENODEV)?;
        let c: &device::Device = client.as_ref();
        // No provider on the function yet.
        assert_eq!(claim(Some(&pdev), &[Some(c)], b"kunit").err(), Some(ENODEV));
        // With a bus offset the DMA API would give the client the wrong address.
        let offset = Provider::with_bus_offset(&pdev, 2, CMB_SIZE, Some(1 << 44))?;
        let moved = claim(Some(&pdev), &[Some(c)], b"kunit").err();
        drop(offset);
        assert_eq!(moved, Some(EXDEV));

        let mem = Provider::with_bus_offset(&pdev, 2, CMB_SIZE, None)?;
        // A DMA mask below the memory would make the DMA API bounce it.
        let start = bar_info(&pdev, 2)?.bus_start;
        let below = (1u64 << (63 - start.leading_zeros())) - 1;
        let saved = dma_mask(c);
        let bounced = set_dma_mask(c, below).map(|()| claim(Some(&pdev), &[Some(c)], b"kunit"));
        set_dma_mask(c, u64::MAX)?;
        let held = claim(Some(&pdev), &[Some(c)], b"kunit");
        set_dma_mask(c, saved)?;
        assert!(matches!(bounced, Ok(Err(e)) if e == EXDEV));
        let held = held?;
        assert!(core::ptr::eq(held.provider().pci(), &*pdev));

        let sgl = alloc_sgl(&held, 8192 + 100, true).ok_or(ENOMEM)?;
        assert_eq!(sgl.nents(), 3);
        drop(sgl);
        assert!(alloc_sgl(&held, 8192, false).is_some_and(|s| s.nents() == 1));

        // Teardown revokes the claim: allocations through it fail from then on, and it can
        // still be released.
        drop(mem);
        assert!(alloc_sgl(&held, 4096, false).is_none());
        assert!(alloc_sgl(&held, 4096, true).is_none());
        drop(held);
        assert_eq!(claim(Some(&pdev), &[Some(c)], b"kunit").err(), Some(ENODEV));
        Ok(())
    }

    #[test]
    fn a_claim_needs_clients_with_devices() {
        assert_eq!(claim(None, &[], b"kunit").err(), Some(EINVAL));
        assert_eq!(claim(None, &[None], b"kunit").err(), Some(EINVAL));
    }

    fn shown(p: Option<&kernel::pci::Device>, use_p2pmem: bool) -> KVec<u8> {
        let mut buf = [0u8; 32];
        let mut w = SliceWriter::new(&mut buf);
        let len = match enable_show(&mut w, p, use_p2pmem) {
            Ok(()) => w.len(),
            Err(_) => 0,
        };
        let mut v = KVec::new();
        let _ = v.extend_from_slice(&buf[..len], GFP_KERNEL);
        v
    }

    #[test]
    fn control_values() -> Result {
        let off = enable_store(b"0\n")?;
        assert!(!off.use_p2pmem && matches!(off.provider, Ok(None)));
        let any = enable_store(b"yes")?;
        assert!(any.use_p2pmem && matches!(any.provider, Ok(None)));
        assert_eq!(enable_store(b"0000:03:00.x").err(), Some(EINVAL));
        // An address names a function: none at this one, and the CMB NVMe publishes nothing.
        let absent = enable_store(b"0000:fe:1f.7")?;
        assert!(absent.use_p2pmem && absent.provider.err() == Some(ENODEV));
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        // A PCI function's device name is its address.
        let addr = pdev.as_ref().name().to_bytes();
        let unpublished = enable_store(addr)?;
        assert!(unpublished.provider.err() == Some(ENODEV));

        assert_eq!(&shown(None, false)[..], b"0\n");
        assert_eq!(&shown(None, true)[..], b"1\n");
        assert_eq!(&shown(Some(&pdev), false)[..], b"0\n");
        let mut want = KVec::new();
        want.extend_from_slice(addr, GFP_KERNEL)?;
        want.push(b'\n', GFP_KERNEL)?;
        assert_eq!(shown(Some(&pdev), true), want);
        Ok(())
    }
}

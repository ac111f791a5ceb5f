// SPDX-License-Identifier: GPL-2.0

//! A provider's pool on real ZONE_DEVICE memory: the CMB BAR of the `switch` VM topology's NVMe
//! (no driver is bound to it there).

use kernel::prelude::*;

#[kunit_tests(p2pmem_provider)]
mod tests {
    use crate::{
        ffi::provider::{
            bar_info,
            ProviderMem, //
        },
        kunit::devices::{
            cmb_nvme,
            CMB_SIZE as SIZE, //
        },
    };
    use kernel::prelude::*;

    const PAGE: usize = 4096;

    #[test]
    fn pool_on_a_real_bar() -> Result {
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let bar = bar_info(&pdev, 2)?;
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE, None)?;
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
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE, None)?;
        let all = mem.alloc(SIZE as usize).ok_or(ENOMEM)?;
        assert!(mem.alloc(PAGE).is_none());
        assert_eq!(mem.avail(), 0);
        drop(all);
        let again = mem.alloc(PAGE);
        assert!(again.is_some());
        assert!(mem.alloc(0).is_none());
        Ok(())
    }

    #[test]
    fn page_references_outlive_the_allocation() -> Result {
        use crate::ffi::testing::{
            page_ref,
            PageRef, //
        };
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE, None)?;
        let a = mem.alloc(2 * PAGE).ok_or(ENOMEM)?;
        let second = a.as_ptr().map_addr(|p| p.saturating_add(PAGE));
        // Each page of an allocation has refcount 1, owned by the allocation.
        assert_eq!(page_ref(a.as_ptr()), 1);
        assert_eq!(page_ref(second), 1);
        // Another user's reference keeps its page out of the pool after the allocation is
        // freed; the other page goes back at once.
        let held = PageRef::get(second);
        assert_eq!(page_ref(second), 2);
        drop(a);
        assert_eq!(page_ref(second), 1);
        assert_eq!(mem.avail(), SIZE as usize - PAGE);
        // The last reference returns it (folio_free); in the pool it holds the reference the
        // next allocation hands out.
        drop(held);
        assert_eq!(page_ref(second), 1);
        assert_eq!(mem.avail(), SIZE as usize);
        // A fresh allocation of it starts again at 1.
        let b = mem.alloc(SIZE as usize).ok_or(ENOMEM)?;
        assert_eq!(page_ref(second), 1);
        drop(b);
        Ok(())
    }

    #[test]
    fn revocation_refuses_new_allocations() -> Result {
        use crate::ffi::provider::{
            ProviderRef,
            Revoke,
            RevokeRegistration, //
        };
        use core::sync::atomic::{
            AtomicU32,
            Ordering::Relaxed, //
        };

        /// What the revocation callback saw: 0 not called, 1 its allocation refused, 2 granted.
        struct Probe(AtomicU32);
        impl Revoke for Probe {
            fn revoke(&self, provider: &ProviderRef) {
                let granted = provider.alloc_sgl(PAGE as u32, false).is_some();
                self.0.store(1 + u32::from(granted), Relaxed);
            }
        }

        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE, None)?;
        let provider = mem.reference();
        assert!(provider.alloc_sgl(PAGE as u32, false).is_some());
        let probe = RevokeRegistration::new(provider, Probe(AtomicU32::new(0)))?;
        // Tearing the provider down revokes it first: from then on nothing is handed out, to
        // the callbacks either, while the reference `probe` holds keeps the provider itself.
        drop(mem);
        assert_eq!(probe.0.load(Relaxed), 1);
        assert!(probe.provider().alloc_sgl(PAGE as u32, false).is_none());
        Ok(())
    }

    #[test]
    fn lookups_find_listed_providers() -> Result {
        use crate::{
            provider::Provider,
            registry::{
                provider_of,
                publish,
                published,
                published_on, //
            },
        };
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        assert!(provider_of(&pdev).is_none());
        let p = Provider::with_bus_offset(&pdev, 2, SIZE, None)?;
        let found = provider_of(&pdev).ok_or(ENOENT)?;
        assert!(core::ptr::eq(found.pci(), &*pdev));
        assert_eq!(found.view().id(), p.id());
        // Found, but not offered to consumers that look for any provider until published.
        assert!(!published_on(&pdev));
        assert!(!published()?.iter().any(|q| q.view().id() == p.id()));
        publish(&pdev, true);
        assert!(published_on(&pdev));
        assert!(published()?.iter().any(|q| q.view().id() == p.id()));
        publish(&pdev, false);
        assert!(!published_on(&pdev));
        // Unlisted before its teardown; the reference taken keeps the object, not the listing.
        drop(p);
        assert!(provider_of(&pdev).is_none());
        assert!(!published_on(&pdev));
        drop(found);
        Ok(())
    }
}

// SPDX-License-Identifier: GPL-2.0

//! What user mappings are built from: an allocation that keeps its provider, mapped page by
//! page (struct pages) or PFN by PFN, and the current task as the busy report names it.

use kernel::prelude::*;

#[kunit_tests(p2pmem_user_mapping)]
mod tests {
    use crate::{
        ffi::{
            provider::ProviderMem,
            task::{
                current_tgid,
                Comm, //
            },
            testing::virt_to_phys,
        },
        kunit::devices::{
            cmb_nvme,
            CMB_SIZE as SIZE, //
        },
    };
    use kernel::prelude::*;

    const PAGE: usize = 4096;

    #[test]
    fn allocation_pages_and_pfns() -> Result {
        let pdev = cmb_nvme().ok_or(ENODEV)?;
        let mem = ProviderMem::new(&pdev, 2, 0, SIZE, None)?;
        let provider = mem.reference();
        let a = provider.alloc(2 * PAGE + 1).ok_or(ENOMEM)?;
        assert_eq!(a.pages(), 3);
        for i in 0..3 {
            let addr = a.as_ptr().map_addr(|p| p.saturating_add(i * PAGE));
            let pfn = a.pfn(i).ok_or(EINVAL)?.get();
            assert_eq!((pfn as u64) << 12, virt_to_phys(addr));
            assert!(a.page(i).is_some());
        }
        assert!(a.page(3).is_none());
        assert!(a.pfn(3).is_none());
        assert_eq!(mem.avail(), SIZE as usize - 3 * PAGE);
        // The allocation keeps a reference on the provider, not on its memory's teardown: it
        // is freed by its own drop.
        drop(provider);
        drop(a);
        assert_eq!(mem.avail(), SIZE as usize);
        Ok(())
    }

    #[test]
    fn current_task_for_messages() {
        // KUnit runs each case in a kernel thread of its own.
        assert_eq!(Comm::current().as_bytes(), b"kunit_try_catch");
        assert!(current_tgid() > 0);
    }
}

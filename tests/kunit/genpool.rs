// SPDX-License-Identifier: GPL-2.0

//! The genalloc wrapper against the real lib/genalloc.c.

use kernel::prelude::*;

#[kunit_tests(p2pmem_genpool)]
mod tests {
    use crate::ffi::genpool::GenPool;
    use kernel::{
        page::PAGE_SIZE,
        prelude::*, //
    };

    /// genalloc never dereferences pool addresses, so any non-zero range will do.
    const BASE: usize = 0x4000_0000;
    const PAGES: usize = 16;

    fn pool() -> Result<GenPool> {
        let pool = GenPool::new(12, -1)?;
        pool.add(BASE, BASE as u64, PAGES * PAGE_SIZE, -1)?;
        Ok(pool)
    }

    #[test]
    fn allocates_until_full_and_frees_on_drop() -> Result {
        let pool = pool()?;
        assert_eq!(pool.size(), PAGES * PAGE_SIZE);
        assert_eq!(pool.avail(), PAGES * PAGE_SIZE);
        let mut held = KVec::new();
        while let Some(b) = pool.alloc(PAGE_SIZE) {
            assert!(b.addr() >= BASE && b.addr() < BASE + PAGES * PAGE_SIZE);
            assert_eq!(b.addr() % PAGE_SIZE, 0);
            held.push(b, GFP_KERNEL)?;
        }
        assert_eq!(held.len(), PAGES);
        assert_eq!(pool.avail(), 0);
        held.truncate(PAGES / 2);
        assert_eq!(pool.avail(), PAGES / 2 * PAGE_SIZE);
        drop(held);
        assert_eq!(pool.avail(), PAGES * PAGE_SIZE);
        Ok(())
    }

    #[test]
    fn rounds_up_to_the_granule_and_never_overlaps() -> Result {
        let pool = pool()?;
        let a = pool.alloc(1).ok_or(ENOMEM)?;
        let b = pool.alloc(PAGE_SIZE + 1).ok_or(ENOMEM)?;
        assert_eq!(a.size(), 1);
        assert_eq!(pool.avail(), (PAGES - 3) * PAGE_SIZE);
        assert!(a.addr() + PAGE_SIZE <= b.addr() || b.addr() + 2 * PAGE_SIZE <= a.addr());
        Ok(())
    }

    #[test]
    fn refuses_what_cannot_be_served() -> Result {
        let pool = pool()?;
        assert!(pool.alloc(0).is_none());
        assert!(pool.alloc((PAGES + 1) * PAGE_SIZE).is_none());
        assert_eq!(pool.add(0, 0, PAGE_SIZE, -1), Err(EINVAL));
        assert_eq!(pool.add(usize::MAX - 1, 0, PAGE_SIZE, -1), Err(EINVAL));
        assert_eq!(pool.avail(), PAGES * PAGE_SIZE);
        Ok(())
    }
}

// SPDX-License-Identifier: GPL-2.0

//! A safe owner of a genalloc pool (`lib/genalloc.c`), the backing store of provider pools.
//!
//! genalloc hands out ranges of a number space (bus or kernel virtual addresses) it never
//! dereferences. Freeing a range twice, or a range it did not hand out, is a `BUG()` in C; here
//! an allocation is a [`Block`] that borrows its pool and frees itself exactly once on drop, so
//! neither can happen, and a pool cannot be destroyed while a block is live.

use core::ptr::NonNull;

use kernel::{
    error::to_result,
    prelude::*, //
};

use super::bindings;

/// A genalloc pool.
///
/// # Invariants
///
/// `pool` was returned by `gen_pool_create` and is destroyed only by [`Drop`], after every
/// [`Block`] borrowing this pool has been dropped.
pub(crate) struct GenPool {
    pool: NonNull<bindings::gen_pool>,
}

// SAFETY: genalloc serialises chunk insertion with a spinlock and allocates and frees with atomic
// bitmap operations under RCU, so a pool may be used from any thread.
unsafe impl Send for GenPool {}

// SAFETY: see `Send`; every method takes `&self` and genalloc synchronises internally.
unsafe impl Sync for GenPool {}

impl GenPool {
    /// Creates an empty pool whose allocations are multiples of `1 << min_alloc_order` bytes.
    pub(crate) fn new(min_alloc_order: u32, nid: i32) -> Result<Self> {
        let order = i32::try_from(min_alloc_order).map_err(|_| EINVAL)?;
        // SAFETY: `gen_pool_create` has no preconditions; it returns NULL on failure.
        let pool = unsafe { bindings::gen_pool_create(order, nid) };
        // INVARIANT: a non-NULL return is a new pool that this value now owns.
        Ok(Self {
            pool: NonNull::new(pool).ok_or(ENOMEM)?,
        })
    }

    /// Adds the range `[addr, addr + size)` to the pool; `phys` is what
    /// `gen_pool_virt_to_phys` reports for `addr`. Address 0 is refused: genalloc returns 0
    /// for a failed allocation.
    pub(crate) fn add(&self, addr: usize, phys: u64, size: usize, nid: i32) -> Result {
        if addr == 0 || size == 0 || addr.checked_add(size).is_none() {
            return Err(EINVAL);
        }
        // SAFETY: `self.pool` is a live pool (type invariant); genalloc copies what it needs.
        to_result(unsafe {
            bindings::gen_pool_add_owner(
                self.pool.as_ptr(),
                addr,
                phys,
                size,
                nid,
                core::ptr::null_mut(),
            )
        })
    }

    /// Allocates `size` bytes (rounded up to the pool's granule), first fit; `None` when no
    /// free range is large enough or `size` is 0.
    pub(crate) fn alloc(&self, size: usize) -> Option<Block<'_>> {
        if size == 0 {
            return None;
        }
        let mut owner = core::ptr::null_mut();
        // SAFETY: `self.pool` is a live pool (type invariant); `owner` is a valid out-pointer.
        let addr = unsafe {
            bindings::p2pmem_helper_gen_pool_alloc_owner(self.pool.as_ptr(), size, &mut owner)
        };
        if addr == 0 {
            return None;
        }
        // INVARIANT: a non-zero return is a range of `size` bytes now allocated from this pool.
        // (Build the `Block` only now: a `Block` that exists is freed when dropped.)
        Some(Block {
            pool: self,
            addr,
            size,
        })
    }

    /// Bytes currently free.
    pub(crate) fn avail(&self) -> usize {
        // SAFETY: `self.pool` is a live pool (type invariant).
        unsafe { bindings::gen_pool_avail(self.pool.as_ptr()) }
    }

    /// Bytes in all ranges added to the pool.
    pub(crate) fn size(&self) -> usize {
        // SAFETY: `self.pool` is a live pool (type invariant).
        unsafe { bindings::gen_pool_size(self.pool.as_ptr()) }
    }
}

impl Drop for GenPool {
    fn drop(&mut self) {
        // SAFETY: `self.pool` is a live pool owned by this value, and no `Block` borrows it any
        // more (they borrow `self`), so nothing is allocated from it.
        unsafe { bindings::gen_pool_destroy(self.pool.as_ptr()) };
    }
}

/// A range allocated from a [`GenPool`], freed when dropped.
///
/// # Invariants
///
/// `[addr, addr + size)` was allocated from `pool` and is not freed until [`Drop`].
pub(crate) struct Block<'a> {
    pool: &'a GenPool,
    addr: usize,
    size: usize,
}

impl Block<'_> {
    /// First address of the range.
    pub(crate) fn addr(&self) -> usize {
        self.addr
    }

    /// Length of the range as requested.
    pub(crate) fn size(&self) -> usize {
        self.size
    }
}

impl Drop for Block<'_> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the range is allocated from this live pool and is freed
        // only here, once.
        unsafe {
            bindings::gen_pool_free_owner(
                self.pool.pool.as_ptr(),
                self.addr,
                self.size,
                core::ptr::null_mut(),
            )
        };
    }
}

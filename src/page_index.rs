// SPDX-License-Identifier: GPL-2.0

//! The page index of a provider's pool: [`policy::buddy::Buddy`] behind an IRQ-safe spinlock.
//!
//! Pages go back to the pool from any context (the last `put_page()` of a pinned user page runs
//! in the completion of the I/O that pinned it), so the lock disables interrupts. The words of
//! the index (about 3 bits per page) come from `kvmalloc`.

use kernel::{
    alloc::KVVec,
    new_spinlock_irq,
    prelude::*,
    sync::SpinLockIrq, //
};

use crate::policy::buddy::{
    Buddy,
    FreeError, //
};

/// The pages of one provider's pool, numbered from the start of its range.
#[pin_data]
pub(crate) struct PageIndex {
    #[pin]
    buddy: SpinLockIrq<Buddy<KVVec<u64>>>,
}

impl PageIndex {
    /// An index of `pages` free pages.
    pub(crate) fn new(pages: usize) -> Result<Pin<KBox<Self>>> {
        let words = KVVec::from_elem(0u64, Buddy::<KVVec<u64>>::words_needed(pages), GFP_KERNEL)?;
        let buddy = Buddy::new(words, pages).ok_or(EINVAL)?;
        KBox::pin_init(
            pin_init!(Self {
                buddy <- new_spinlock_irq!(buddy, "p2pmem_page_index"),
            }),
            GFP_KERNEL,
        )
    }

    /// Takes `pages` contiguous pages; returns the first page number. Any context.
    pub(crate) fn alloc(&self, pages: usize) -> Option<usize> {
        self.buddy.lock().alloc(pages)
    }

    /// Gives back `[first, first + pages)`, which must all be allocated. Any context.
    pub(crate) fn free(&self, first: usize, pages: usize) -> Result<(), FreeError> {
        self.buddy.lock().free(first, pages)
    }

    /// Pages not allocated.
    pub(crate) fn free_pages(&self) -> usize {
        self.buddy.lock().free_pages()
    }
}

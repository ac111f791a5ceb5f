// SPDX-License-Identifier: GPL-2.0

//! Scatterlists built by C, walked and DMA-mapped entry by entry.
//!
//! C header: [`include/linux/scatterlist.h`](srctree/include/linux/scatterlist.h)
//!
//! The kernel crate's `scatterlist` reads the DMA entries of an `sg_table` it does not own and
//! maps tables it owns with `dma_map_sgtable()`. A driver that maps a caller's list itself, one
//! entry at a time, needs more: the page, offset and length of each entry, and to write DMA
//! addresses and lengths into the list, possibly fewer entries than it read (as `dma_map_sg()`
//! merges). [`SGChain`] is such a view of a chain of entries, [`SGTableMut`] of an `sg_table`,
//! and [`SGMapping`] the DMA entries written into a chain, unmapped when dropped.

use core::{
    marker::PhantomData,
    mem::ManuallyDrop,
    ptr::NonNull, //
};

use kernel::{
    alloc::Flags,
    bindings,
    device::Device,
    dma::{
        DataDirection,
        DmaAddress, //
    },
    ffi::c_ulong,
    page::BorrowedPage,
    prelude::*,
    types::Opaque, //
};

use super::{
    bindings as p2pmem_bindings,
    dma_mapping::{
        DmaMapping,
        MapKind, //
    },
};

/// One entry of a scatterlist chain (`struct scatterlist`), reached through an [`SGChain`].
///
/// Its page, offset and length are the caller's; its DMA address and length are written only by
/// an [`SGMapping`] of the chain.
#[repr(transparent)]
pub(crate) struct SGEntryMut(Opaque<bindings::scatterlist>);

impl SGEntryMut {
    /// # Safety
    ///
    /// `ptr` is a valid entry for `'a`, not accessed by anyone else meanwhile.
    unsafe fn from_raw<'a>(ptr: NonNull<bindings::scatterlist>) -> &'a Self {
        // SAFETY: `SGEntryMut` is a transparent wrapper of `struct scatterlist`, and the entry is
        // valid for `'a` (the caller's contract).
        unsafe { ptr.cast::<Self>().as_ref() }
    }

    fn as_raw(&self) -> *mut bindings::scatterlist {
        self.0.get()
    }

    /// The page the entry's data starts in, or `None` for an entry without one.
    ///
    /// The page is valid for as long as the entry: the chain's owner holds it.
    pub(crate) fn page(&self) -> Option<BorrowedPage<'_>> {
        // SAFETY: `self.as_raw()` is a valid entry.
        let page = NonNull::new(unsafe { p2pmem_bindings::p2pmem_sg_page(self.as_raw()) })?;
        // SAFETY: the page of an entry stays valid while the entry is in use (`SGChain`).
        Some(unsafe { BorrowedPage::from_raw(page) })
    }

    /// The offset of the data in its page.
    pub(crate) fn offset(&self) -> u32 {
        // SAFETY: `self.as_raw()` is a valid entry; nobody writes it meanwhile (`SGChain`).
        unsafe { (*self.as_raw()).offset }
    }

    /// The length of the data in bytes.
    pub(crate) fn length(&self) -> u32 {
        // SAFETY: as in `offset`.
        unsafe { (*self.as_raw()).length }
    }

    /// The CPU physical address of the data (`sg_phys()`).
    pub(crate) fn phys(&self) -> u64 {
        // SAFETY: `self.as_raw()` is a valid entry with a page (the caller's list).
        unsafe { p2pmem_bindings::p2pmem_sg_phys(self.as_raw()) }
    }

    /// The DMA address written by a mapping.
    pub(crate) fn dma_address(&self) -> DmaAddress {
        // SAFETY: `self.as_raw()` is a valid entry.
        unsafe { bindings::sg_dma_address(self.as_raw()) }
    }

    /// The DMA length written by a mapping.
    pub(crate) fn dma_len(&self) -> u32 {
        // SAFETY: `self.as_raw()` is a valid entry.
        unsafe { bindings::sg_dma_len(self.as_raw()) }
    }

    fn set_dma(&self, addr: DmaAddress, len: u32) {
        // SAFETY: `self.as_raw()` is a valid entry, which only its `SGMapping` writes.
        unsafe {
            p2pmem_bindings::p2pmem_sg_dma_address_set(self.as_raw(), addr);
            p2pmem_bindings::p2pmem_sg_dma_len_set(self.as_raw(), len);
        }
    }
}

/// The first `len` entries of a scatterlist chain, borrowed for `'a`.
///
/// # Invariants
///
/// `first` starts a chain of at least `len` valid entries (followed with `sg_next()`), which
/// stay valid, with their pages, for `'a` and are accessed by nothing else meanwhile (so the
/// type is neither `Send` nor `Sync`).
#[derive(Clone, Copy)]
pub(crate) struct SGChain<'a> {
    first: NonNull<bindings::scatterlist>,
    len: usize,
    _entries: PhantomData<&'a SGEntryMut>,
}

impl<'a> SGChain<'a> {
    /// The chain of `len` entries at `sgl`, or `None` if `sgl` is NULL.
    ///
    /// # Safety
    ///
    /// A non-NULL `sgl` starts a chain of at least `len` valid entries, which stay valid, with
    /// their pages, for `'a` and which nothing else accesses meanwhile.
    pub(crate) unsafe fn from_raw(sgl: *mut bindings::scatterlist, len: usize) -> Option<Self> {
        // INVARIANT: the safety requirements.
        NonNull::new(sgl).map(|first| Self {
            first,
            len,
            _entries: PhantomData,
        })
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no entries.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Its entries, in order.
    pub(crate) fn iter(&self) -> SGChainIter<'a> {
        SGChainIter {
            next: (self.len > 0).then_some(self.first),
            left: self.len,
            _entries: PhantomData,
        }
    }
}

/// An iterator over the entries of an [`SGChain`].
///
/// # Invariants
///
/// `next`, if any, is a valid entry of the chain for `'a`, followed by at least `left - 1` more.
pub(crate) struct SGChainIter<'a> {
    next: Option<NonNull<bindings::scatterlist>>,
    left: usize,
    _entries: PhantomData<&'a SGEntryMut>,
}

impl<'a> Iterator for SGChainIter<'a> {
    type Item = &'a SGEntryMut;

    fn next(&mut self) -> Option<&'a SGEntryMut> {
        let sg = self.next?;
        self.left -= 1;
        self.next = if self.left > 0 {
            // SAFETY: `sg` is a valid entry followed by at least one more (type invariant).
            NonNull::new(unsafe { bindings::sg_next(sg.as_ptr()) })
        } else {
            None
        };
        // SAFETY: `sg` is a valid entry of the chain for `'a` (type invariant).
        Some(unsafe { SGEntryMut::from_raw(sg) })
    }
}

/// A `struct sg_table` borrowed for `'a`.
///
/// # Invariants
///
/// `ptr` is a valid table whose `sgl` starts a chain of `orig_nents` valid entries; the table
/// and its entries stay valid, with their pages, for `'a` and nothing else accesses them
/// meanwhile.
pub(crate) struct SGTableMut<'a> {
    ptr: NonNull<bindings::sg_table>,
    _table: PhantomData<&'a Opaque<bindings::sg_table>>,
}

impl<'a> SGTableMut<'a> {
    /// The table at `sgt`, or `None` if it is NULL.
    ///
    /// # Safety
    ///
    /// A non-NULL `sgt` is a valid table whose `sgl` starts a chain of `orig_nents` valid entries,
    /// which stay valid, with their pages, for `'a` and which nothing else accesses meanwhile.
    pub(crate) unsafe fn from_raw(sgt: *mut bindings::sg_table) -> Option<Self> {
        // INVARIANT: the safety requirements.
        NonNull::new(sgt).map(|ptr| Self {
            ptr,
            _table: PhantomData,
        })
    }

    /// The CPU entries of the table (`sgl`, `orig_nents`), or `None` if it has no list.
    pub(crate) fn entries(&self) -> Option<SGChain<'a>> {
        // SAFETY: `self.ptr` is a valid table (type invariant).
        let (sgl, n) = unsafe { ((*self.ptr.as_ptr()).sgl, (*self.ptr.as_ptr()).orig_nents) };
        let n = usize::try_from(n).ok()?;
        // SAFETY: `sgl` starts a chain of `orig_nents` entries valid for `'a` (type invariant).
        unsafe { SGChain::from_raw(sgl, n) }
    }

    /// Sets the number of DMA entries (`nents`).
    pub(crate) fn set_dma_entries(&self, nents: u32) {
        // SAFETY: `self.ptr` is a valid table, which only we access (type invariant).
        unsafe { (*self.ptr.as_ptr()).nents = nents };
    }
}

/// What an [`SGMapping`] keeps beside its chain: how each DMA entry was mapped.
pub(crate) struct SGMappingState {
    kinds: KVec<MapKind>,
}

/// DMA entries written into the first entries of an [`SGChain`], each a [`DmaMapping`] for one
/// device, direction and attributes; unmapped when dropped.
///
/// # Invariants
///
/// `state.kinds.len() <= chain.len()`; the first `state.kinds.len()` entries of `chain` hold the
/// DMA address and length of live mappings of those kinds for `dev`, `dir` and `attrs`, owned by
/// this value; `out` yields the entries after them and `last` is the last of them.
pub(crate) struct SGMapping<'a> {
    dev: &'a Device,
    chain: SGChain<'a>,
    dir: DataDirection,
    attrs: c_ulong,
    state: KBox<SGMappingState>,
    out: SGChainIter<'a>,
    last: Option<&'a SGEntryMut>,
}

impl<'a> SGMapping<'a> {
    /// No DMA entries yet, with room for one per entry of `chain` (allocated with `flags`).
    pub(crate) fn new(
        dev: &'a Device,
        chain: SGChain<'a>,
        dir: DataDirection,
        attrs: c_ulong,
        flags: Flags,
    ) -> Result<Self> {
        let kinds = KVec::with_capacity(chain.len(), flags)?;
        let state = KBox::new(SGMappingState { kinds }, flags)?;
        // INVARIANT: no DMA entries.
        Ok(Self {
            dev,
            chain,
            dir,
            attrs,
            state,
            out: chain.iter(),
            last: None,
        })
    }

    /// The number of DMA entries.
    pub(crate) fn count(&self) -> usize {
        self.state.kinds.len()
    }

    /// The address, length and kind of the last DMA entry.
    pub(crate) fn last(&self) -> Option<(DmaAddress, u32, MapKind)> {
        let entry = self.last?;
        let kind = *self.state.kinds.last()?;
        Some((entry.dma_address(), entry.dma_len(), kind))
    }

    /// Writes `m` into the next entry of the chain, which then owns it.
    ///
    /// Errors: `EINVAL` when `m` is not for this mapping's device, direction and attributes,
    /// is longer than an entry can say, or the chain has no entry left; `m` is then unmapped.
    pub(crate) fn push(&mut self, m: DmaMapping<'a>) -> Result {
        if !m.is_for(self.dev, self.dir, self.attrs) {
            return Err(EINVAL);
        }
        let len = u32::try_from(m.len()).map_err(|_| EINVAL)?;
        if self.count() >= self.chain.len() {
            return Err(EINVAL);
        }
        let entry = self.out.next().ok_or(EINVAL)?;
        // Never allocates: the capacity is the chain's length.
        self.state.kinds.push(m.kind(), GFP_ATOMIC)?;
        let (addr, _, _) = m.into_raw();
        entry.set_dma(addr, len);
        // INVARIANT: the entry now holds the mapping, recorded with its kind.
        self.last = Some(entry);
        Ok(())
    }

    /// Extends the last DMA entry by `len` bytes, if it is a bus address (which nothing has to
    /// unmap) and its length can say it; returns whether it did.
    pub(crate) fn extend_last(&mut self, len: u32) -> bool {
        let Some(entry) = self.last else {
            return false;
        };
        if self.state.kinds.last() != Some(&MapKind::Bus) {
            return false;
        }
        let Some(total) = entry.dma_len().checked_add(len) else {
            return false;
        };
        // INVARIANT: a bus entry maps nothing, whatever its length.
        entry.set_dma(entry.dma_address(), total);
        true
    }

    /// Leaves the DMA entries in place and returns their number and the state that
    /// [`SGMapping::from_raw`] needs to unmap them.
    pub(crate) fn into_raw(self) -> (usize, NonNull<SGMappingState>) {
        let this = ManuallyDrop::new(self);
        let count = this.count();
        // SAFETY: `this` is never used or dropped again, so the box is moved out exactly once.
        let state = unsafe { core::ptr::read(&this.state) };
        (count, NonNull::from(KBox::leak(state)))
    }

    /// Takes back DMA entries left in place by [`SGMapping::into_raw`].
    ///
    /// # Safety
    ///
    /// `state` came from [`SGMapping::into_raw`] of a mapping made for `dev`, `dir` and `attrs`
    /// on the chain that starts at `sgl`, and is taken back only once; the chain's first
    /// entries are unchanged since, valid for `'a`, and nothing else accesses them meanwhile.
    pub(crate) unsafe fn from_raw(
        dev: &'a Device,
        sgl: NonNull<bindings::scatterlist>,
        dir: DataDirection,
        attrs: c_ulong,
        state: NonNull<SGMappingState>,
    ) -> Self {
        // SAFETY: `state` came from `KBox::into_raw` and is taken back once (the contract).
        let state = unsafe { KBox::from_raw(state.as_ptr()) };
        let count = state.kinds.len();
        // INVARIANT: the chain holds `count` mapped entries (the contract).
        let chain = SGChain {
            first: sgl,
            len: count,
            _entries: PhantomData,
        };
        let mut out = chain.iter();
        let mut last = None;
        for _ in 0..count {
            last = out.next();
        }
        Self {
            dev,
            chain,
            dir,
            attrs,
            state,
            out,
            last,
        }
    }
}

impl Drop for SGMapping<'_> {
    fn drop(&mut self) {
        for (entry, &kind) in self.chain.iter().zip(self.state.kinds.iter()) {
            // SAFETY: the entry holds a live mapping of `kind` for `dev`, `dir` and `attrs`,
            // owned by this value (type invariant); its length is the mapped one unless it is a
            // bus address, which nothing unmaps.
            drop(unsafe {
                DmaMapping::from_raw(
                    self.dev,
                    entry.dma_address(),
                    // CAST: lossless, `usize` is at least 32 bits.
                    entry.dma_len() as usize,
                    kind,
                    self.dir,
                    self.attrs,
                )
            });
        }
    }
}

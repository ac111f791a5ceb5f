// SPDX-License-Identifier: GPL-2.0

//! Safe ownership of the C half of a provider (`rust/provider.c`): the ZONE_DEVICE pagemap over
//! a BAR range, its page pool and its class device; references to it, scatterlists of its
//! memory, and registrations to hear of its revocation.

use core::{
    ffi::c_void,
    marker::PhantomData,
    ops::Deref,
    ptr::NonNull, //
};

use kernel::{
    bindings as kbindings,
    device,
    error::{
        to_result,
        Error, //
    },
    page::BorrowedPage,
    pci,
    prelude::*,
    types::Opaque, //
};

use super::{
    bindings,
    pci::raw, //
};
use crate::policy::bar::BarFacts;

/// Where a memory BAR sits for the CPU and on the bus, and how the PCI core placed it.
pub(crate) struct BarInfo {
    /// CPU physical start.
    pub(crate) cpu_start: u64,
    /// Length in bytes.
    pub(crate) len: u64,
    /// Bus address of the start.
    pub(crate) bus_start: u64,
    /// The flags and placement the policy checks.
    pub(crate) facts: BarFacts,
}

/// BAR `bar` of `pdev`; `EINVAL` if it is not a memory BAR.
pub(crate) fn bar_info(pdev: &pci::Device, bar: u32) -> Result<BarInfo> {
    let bar = i32::try_from(bar).map_err(|_| EINVAL)?;
    let mut i = bindings::p2pmem_bar_info::default();
    // SAFETY: `raw(pdev)` is a live PCI function's device; `i` is a valid out-parameter.
    to_result(unsafe { bindings::p2pmem_bar_info(raw(pdev), bar, &mut i) })?;
    Ok(BarInfo {
        cpu_start: i.start,
        len: i.len,
        bus_start: i.bus_start,
        facts: BarFacts {
            start: i.start,
            unset: i.unset,
            disabled: i.disabled,
            in_tree: i.in_tree,
            prefetchable: i.prefetchable,
        },
    })
}

/// A range of the iomem resource tree requested (busy) under the name `p2pmem`, as a driver
/// requests its BARs; released when dropped.
///
/// # Invariants
///
/// `[start, start + size)` was requested by [`MemRegion::request`] and is released only by
/// [`Drop`].
pub(crate) struct MemRegion {
    start: u64,
    size: u64,
}

impl MemRegion {
    /// Requests `[start, start + size)`; `None` if any part of it is busy (a driver or another
    /// provider has it) or the range is not inside the resource it lies in.
    pub(crate) fn request(start: u64, size: u64) -> Option<Self> {
        // SAFETY: no preconditions; the name is a static string, which the resource keeps.
        let r = unsafe { kbindings::request_mem_region(start, size, c"p2pmem".as_char_ptr()) };
        if r.is_null() {
            // Not `then_some`: a value made and dropped here would release someone else's range.
            return None;
        }
        // INVARIANT: a non-NULL return is the range requested for this value.
        Some(Self { start, size })
    }
}

impl Drop for MemRegion {
    fn drop(&mut self) {
        // SAFETY: the range was requested by `request` and is released once (type invariant).
        unsafe { kbindings::release_mem_region(self.start, self.size) };
    }
}

/// Whether the kernel's lockdown forbids user space access to PCI BARs
/// (`security_locked_down(LOCKDOWN_PCI_ACCESS)`, as `/sys/bus/pci/devices/*/resourceN` asks):
/// `EPERM` when it does.
pub(crate) fn pci_access_locked_down() -> Result {
    // SAFETY: no preconditions.
    to_result(unsafe { bindings::p2pmem_pci_access_locked_down() })
}

/// The alignment `memremap_pages()` needs at both ends of a range.
pub(crate) fn compat_align() -> u64 {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_compat_align() }
}

/// Whether `[start, start + size)` intersects System RAM.
pub(crate) fn range_is_ram(start: u64, size: u64) -> bool {
    // SAFETY: no preconditions; only reads the resource tree.
    unsafe { bindings::p2pmem_range_is_ram(start, size) }
}

/// A provider's memory: pages, pool and class device `p2pmemN`.
///
/// # Invariants
///
/// `ptr` was returned by `p2pmem_provider_create` and is destroyed only by [`Drop`]; every
/// [`Allocation`] borrows this value, so none is live when it is destroyed.
pub(crate) struct ProviderMem {
    ptr: NonNull<bindings::p2pmem_provider>,
}

// SAFETY: the C provider synchronises internally (atomics, the page index's spinlock and the
// per-CPU caches, the pagemap's percpu_ref), and is not tied to the creating thread.
unsafe impl Send for ProviderMem {}

// SAFETY: see `Send`; every method takes `&self`.
unsafe impl Sync for ProviderMem {}

impl ProviderMem {
    /// Maps `[offset, offset + size)` of BAR `bar` of `pdev` as ZONE_DEVICE pages, puts them in a
    /// pool and creates the class device. The range must already be validated (see
    /// `policy::provider_range`), and the `p2pmem` class registered.
    ///
    /// `bus_offset` replaces the host bridge's bus offset (tests pretend one; x86 has none).
    pub(crate) fn new(
        pdev: &pci::Device,
        bar: u32,
        offset: u64,
        size: u64,
        bus_offset: Option<u64>,
    ) -> Result<Self> {
        let bar = i32::try_from(bar).map_err(|_| EINVAL)?;
        let mut err = 0;
        let bus_offset_ptr = bus_offset
            .as_ref()
            .map_or(core::ptr::null(), core::ptr::from_ref);
        // SAFETY: the class pointer is the module's static class; `raw(pdev)` is a live PCI
        // function's device, referenced by the provider for its lifetime; `bus_offset_ptr` is
        // NULL or points to a live value for the call; `err` is valid.
        let p = unsafe {
            bindings::p2pmem_provider_create(
                bindings::p2pmem_class_get(),
                raw(pdev),
                bar,
                offset,
                size,
                bus_offset_ptr,
                &mut err,
            )
        };
        // INVARIANT: a non-NULL return is a new provider this value owns.
        NonNull::new(p)
            .map(|ptr| Self { ptr })
            .ok_or_else(|| Error::from_errno(err))
    }

    /// The N of `p2pmemN`.
    pub(crate) fn id(&self) -> i32 {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_id(self.ptr.as_ptr()) }
    }

    /// The provider, borrowed for as long as `self`.
    pub(crate) fn view(&self) -> ProviderView<'_> {
        // INVARIANT: `self.ptr` is live while `self` is (type invariant).
        ProviderView {
            ptr: self.ptr,
            _provider: PhantomData,
        }
    }

    /// A reference to the provider, for the registry and the C API.
    pub(crate) fn reference(&self) -> ProviderRef {
        // SAFETY: `self.ptr` is live (type invariant), so taking a reference is valid.
        unsafe { bindings::p2pmem_provider_ref(self.ptr.as_ptr()) };
        // INVARIANT: the reference just taken.
        ProviderRef { ptr: self.ptr }
    }

    // The C API and user mappings will allocate; until they land only KUnit does.
    /// Allocates `size` bytes (rounded up to pages); `None` when the pool is exhausted or the
    /// provider is going away. Works in atomic context.
    #[cfg_attr(not(P2PMEM_KUNIT), expect(dead_code))]
    pub(crate) fn alloc(&self, size: usize) -> Option<Allocation<'_>> {
        if size == 0 {
            return None;
        }
        // SAFETY: `self.ptr` is live (type invariant).
        let addr = unsafe { bindings::p2pmem_provider_alloc(self.ptr.as_ptr(), size) };
        // INVARIANT: a non-NULL return is `size` bytes allocated from this provider, holding a
        // reference on its pagemap.
        NonNull::new(addr).map(|addr| Allocation {
            mem: self,
            addr,
            size,
        })
    }

    /// Bytes free in the pool.
    #[cfg_attr(not(P2PMEM_KUNIT), expect(dead_code))]
    pub(crate) fn avail(&self) -> usize {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_avail(self.ptr.as_ptr()) }
    }
}

impl Drop for ProviderMem {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` is live and owned by this value, and no `Allocation` borrows it any
        // more. Allocations made through the C API (none yet) are waited for by
        // `memunmap_pages()`.
        unsafe { bindings::p2pmem_provider_destroy(self.ptr.as_ptr()) };
    }
}

/// Provider memory allocated with [`ProviderMem::alloc`], freed when dropped.
///
/// # Invariants
///
/// `addr` is the kernel virtual address of `size` bytes allocated from `mem`, not freed before
/// [`Drop`].
pub(crate) struct Allocation<'a> {
    mem: &'a ProviderMem,
    addr: NonNull<c_void>,
    size: usize,
}

impl Allocation<'_> {
    /// The kernel virtual address of the first byte.
    #[cfg(P2PMEM_KUNIT)]
    pub(crate) fn as_ptr(&self) -> NonNull<c_void> {
        self.addr
    }

    /// The bus address peers use for the first byte.
    #[cfg_attr(not(P2PMEM_KUNIT), expect(dead_code))]
    pub(crate) fn bus_addr(&self) -> u64 {
        // SAFETY: `self.mem.ptr` is live and `addr` belongs to its pool (type invariants).
        unsafe { bindings::p2pmem_provider_virt_to_bus(self.mem.ptr.as_ptr(), self.addr.as_ptr()) }
    }
}

impl Drop for Allocation<'_> {
    fn drop(&mut self) {
        // SAFETY: the range was allocated from this live provider and is freed only here.
        unsafe {
            bindings::p2pmem_provider_free(self.mem.ptr.as_ptr(), self.addr.as_ptr(), self.size)
        };
    }
}

/// A counted reference to a provider (its class device), as the C API hands them out.
///
/// # Invariants
///
/// `ptr` is a provider on which this value holds one reference (`p2pmem_provider_put` drops
/// it); the reference keeps the object and its PCI function, not its memory.
pub(crate) struct ProviderRef {
    ptr: NonNull<bindings::p2pmem_provider>,
}

/// The PCI function of a provider.
///
/// # Safety
///
/// `p` is a live provider for `'a`.
unsafe fn pci_of<'a>(p: NonNull<bindings::p2pmem_provider>) -> &'a pci::Device {
    // SAFETY: `p` is live (the caller's contract), and the provider holds a reference on its
    // PCI function for its whole lifetime.
    let pdev = unsafe { bindings::p2pmem_provider_pci_dev(p.as_ptr()) };
    // SAFETY: `pdev` is a live `pci_dev` for `'a` (see above).
    let dev = unsafe { kernel::device::Device::from_raw(bindings::p2pmem_pci_dev_device(pdev)) };
    // PANIC: a provider's parent is always a PCI function (`p2pmem_provider_create`).
    <&pci::Device>::try_from(dev).expect("a provider's parent is a PCI function")
}

impl ProviderRef {
    /// The PCI function whose BAR the memory is.
    pub(crate) fn pci(&self) -> &pci::Device {
        // SAFETY: `self.ptr` is referenced (type invariant), which keeps it live.
        unsafe { pci_of(self.ptr) }
    }

    /// A new reference to the provider a C caller holds.
    ///
    /// # Safety
    ///
    /// `p` is NULL or a provider on which the caller holds a reference for the call.
    pub(crate) unsafe fn from_borrowed(p: *mut bindings::p2pmem_provider) -> Option<Self> {
        let ptr = NonNull::new(p)?;
        // SAFETY: `p` is referenced (caller's contract), so taking another one is valid.
        unsafe { bindings::p2pmem_provider_ref(p) };
        // INVARIANT: the reference just taken.
        Some(Self { ptr })
    }

    /// The provider's pointer, for a C caller that does not take the reference.
    pub(crate) fn as_raw(&self) -> *mut bindings::p2pmem_provider {
        self.ptr.as_ptr()
    }

    /// The class device `p2pmemN`.
    pub(crate) fn device(&self) -> &device::Device {
        // SAFETY: `self.ptr` is referenced (type invariant): its class device lives as long.
        unsafe { device::Device::from_raw(bindings::p2pmem_provider_device(self.ptr.as_ptr())) }
    }

    /// The memory's CPU physical range and the host bridge's bus offset.
    pub(crate) fn range(&self) -> ProviderRange {
        let mut s = bindings::p2pmem_provider_span::default();
        // SAFETY: `self.ptr` is referenced (type invariant); `s` is a valid out-parameter. The
        // range and the offset are set at creation and never change.
        unsafe { bindings::p2pmem_provider_span(self.ptr.as_ptr(), &mut s) };
        ProviderRange {
            start: s.start,
            len: s.end.wrapping_sub(s.start).wrapping_add(1),
            bus_offset: s.bus_offset,
        }
    }

    /// Allocates `length` bytes as a scatterlist: one contiguous entry
    /// (`p2pmem_alloc_sgl()`), or PAGE_SIZE entries with `pages` (`p2pmem_alloc_sgl_pages()`).
    /// `None` when the pool is exhausted or the provider is going away. Process context.
    pub(crate) fn alloc_sgl(&self, length: u32, pages: bool) -> Option<Sgl<'_>> {
        Sgl::alloc(self.view(), length, pages)
    }

    /// How many allocations of its memory are live now (`p2pmem_provider_allocations()`): a
    /// snapshot.
    pub(crate) fn allocations(&self) -> kernel::ffi::c_long {
        self.view().allocations()
    }

    /// The provider, borrowed for as long as this reference.
    pub(crate) fn view(&self) -> ProviderView<'_> {
        // INVARIANT: referenced (type invariant), so live for the borrow.
        ProviderView {
            ptr: self.ptr,
            _provider: PhantomData,
        }
    }

    /// Allocates `size` bytes (rounded up to pages, `size` > 0) that keep this reference:
    /// `None` when the pool is exhausted or the provider is going away. Any context.
    pub(crate) fn alloc(&self, size: usize) -> Option<OwnedAllocation> {
        if size == 0 {
            return None;
        }
        // SAFETY: `self.ptr` is referenced (type invariant).
        let addr = unsafe { bindings::p2pmem_provider_alloc(self.ptr.as_ptr(), size) };
        // INVARIANT: a non-NULL return is `size` bytes of this provider's pool, holding a
        // reference on its pagemap.
        NonNull::new(addr).map(|addr| OwnedAllocation {
            provider: self.clone(),
            addr,
            size,
        })
    }

    /// Hands the reference to a C caller.
    pub(crate) fn into_raw(self) -> *mut bindings::p2pmem_provider {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl Clone for ProviderRef {
    fn clone(&self) -> Self {
        // SAFETY: `self.ptr` is referenced (type invariant), so taking another one is valid.
        unsafe { bindings::p2pmem_provider_ref(self.ptr.as_ptr()) };
        // INVARIANT: the reference just taken.
        Self { ptr: self.ptr }
    }
}

impl Drop for ProviderRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference this value holds (type invariant).
        unsafe { bindings::p2pmem_provider_put(self.ptr.as_ptr()) };
    }
}

// SAFETY: a device reference can be dropped from any thread.
unsafe impl Send for ProviderRef {}

// SAFETY: the only shared access reads the provider's immutable PCI function.
unsafe impl Sync for ProviderRef {}

/// Provider memory allocated with [`ProviderRef::alloc`], with a reference on its provider;
/// freed when dropped. A page that someone else still references (a pin of a user mapping)
/// goes back to the pool with its last reference.
///
/// # Invariants
///
/// `addr` is the kernel virtual address of `size` bytes (`size` > 0) allocated from
/// `provider`, not freed before [`Drop`]; the memory is device memory (a BAR), mapped by the
/// kernel as ZONE_DEVICE pages.
pub(crate) struct OwnedAllocation {
    provider: ProviderRef,
    addr: NonNull<c_void>,
    size: usize,
}

// SAFETY: the allocation is freed through its provider, which synchronises internally.
unsafe impl Send for OwnedAllocation {}

// SAFETY: shared access reads the immutable fields, or writes through `zero` (callers that
// share the memory order their accesses themselves, as with any device memory).
unsafe impl Sync for OwnedAllocation {}

impl OwnedAllocation {
    /// The kernel virtual address of the first byte.
    #[cfg(P2PMEM_KUNIT)]
    pub(crate) fn as_ptr(&self) -> NonNull<c_void> {
        self.addr
    }

    /// The number of pages it spans.
    pub(crate) fn pages(&self) -> usize {
        self.size.div_ceil(kernel::page::PAGE_SIZE)
    }

    /// Writes zeros over it.
    pub(crate) fn zero(&self) {
        // SAFETY: `addr` is `size` writable bytes of this allocation (type invariant), mapped
        // by the kernel; nothing else owns them while it lives.
        unsafe { core::ptr::write_bytes(self.addr.as_ptr().cast::<u8>(), 0, self.size) };
    }

    /// The kernel virtual address of page `i`.
    fn page_addr(&self, i: usize) -> Option<*mut c_void> {
        (i < self.pages()).then(|| {
            // SAFETY: inside the allocation (checked above).
            unsafe { self.addr.as_ptr().byte_add(i * kernel::page::PAGE_SIZE) }
        })
    }

    /// The `struct page` of page `i` (`None` past the end).
    pub(crate) fn page(&self, i: usize) -> Option<BorrowedPage<'_>> {
        let addr = self.page_addr(i)?;
        // SAFETY: `addr` is in a ZONE_DEVICE range the kernel maps (type invariant), so it has
        // a `struct page`.
        let page = NonNull::new(unsafe { bindings::p2pmem_virt_to_page(addr) })?;
        // SAFETY: the page is valid while the allocation holds the pagemap, which is as long
        // as the borrow of `self`.
        Some(unsafe { BorrowedPage::from_raw(page) })
    }

    /// The PFN of page `i` (`None` past the end), to map it into user space without a page
    /// reference: who does zaps the mapping before dropping the allocation, or the next user of
    /// the memory shares it with that process.
    pub(crate) fn pfn(&self, i: usize) -> Option<super::vma::DevicePfn> {
        let addr = self.page_addr(i)?;
        // SAFETY: the provider is referenced and `addr` belongs to its pool (type invariant).
        let bus = unsafe { bindings::p2pmem_provider_virt_to_bus(self.provider.as_raw(), addr) };
        let phys = bus.wrapping_sub(self.provider.range().bus_offset);
        let pfn = usize::try_from(phys >> kernel::page::PAGE_SHIFT).ok()?;
        // SAFETY: BAR memory of the provider (type invariant), never RAM.
        Some(unsafe { super::vma::DevicePfn::new(pfn) })
    }
}

impl Drop for OwnedAllocation {
    fn drop(&mut self) {
        // SAFETY: allocated from this referenced provider and freed only here (type invariant).
        unsafe {
            bindings::p2pmem_provider_free(self.provider.as_raw(), self.addr.as_ptr(), self.size)
        };
    }
}

/// Where a provider's memory is.
pub(crate) struct ProviderRange {
    /// CPU physical address of the first byte.
    pub(crate) start: u64,
    /// Length in bytes.
    pub(crate) len: u64,
    /// Bus address minus CPU address (wrapping).
    pub(crate) bus_offset: u64,
}

/// A scatterlist of a provider's memory (`p2pmem_alloc_sgl()`, `p2pmem_alloc_sgl_pages()`):
/// a kmalloc'd array of entries, the last one end-marked, each pointing to an allocation of its
/// own; all freed when dropped (`p2pmem_free_sgl()`).
///
/// # Invariants
///
/// `sgl` is an array of `nents` (> 0) entries allocated as a `KVec` of capacity `nents` and
/// initialised by `sg_init_table()`; each entry either points to `length` bytes allocated from
/// `provider` for it alone, or has no page. It is freed only by [`Drop`].
pub(crate) struct Sgl<'a> {
    provider: ProviderView<'a>,
    sgl: NonNull<kbindings::scatterlist>,
    nents: u32,
}

impl<'a> Sgl<'a> {
    /// `length` bytes of `provider` as one entry, or as PAGE_SIZE entries with `pages`; `None`
    /// for 0 bytes, when the pool is exhausted or the provider is going away. Process context.
    pub(crate) fn alloc(provider: ProviderView<'a>, length: u32, pages: bool) -> Option<Self> {
        const PAGE: u32 = kernel::page::PAGE_SIZE as u32;
        if length == 0 {
            return None;
        }
        let nents = if pages { length.div_ceil(PAGE) } else { 1 };
        let n = usize::try_from(nents).ok()?;
        let mut v = KVec::<kbindings::scatterlist>::with_capacity(n, GFP_KERNEL).ok()?;
        for _ in 0..n {
            // Within the capacity: cannot fail.
            v.push(kbindings::scatterlist::default(), GFP_NOWAIT).ok()?;
        }
        let (ptr, len, cap) = v.into_raw_parts();
        if (len, cap) != (n, n) {
            // `with_capacity` allocates exactly what it is asked for, which `Drop` relies on.
            // SAFETY: the parts `into_raw_parts` just gave.
            drop(unsafe { KVec::from_raw_parts(ptr, len, cap) });
            return None;
        }
        // SAFETY: `ptr` is `n` entries (just allocated).
        unsafe { kbindings::sg_init_table(ptr, nents) };
        // INVARIANT: a table of `nents` entries as `with_capacity` allocated it, no page yet.
        let this = Self {
            provider,
            // SAFETY: a `KVec` with capacity `n` > 0 has a non-NULL buffer.
            sgl: unsafe { NonNull::new_unchecked(ptr) },
            nents,
        };
        for i in 0..nents {
            let len = if pages {
                (length - i * PAGE).min(PAGE)
            } else {
                length
            };
            // SAFETY: the provider is live for `'a`.
            let addr =
                unsafe { bindings::p2pmem_provider_alloc(provider.ptr.as_ptr(), len as usize) };
            if addr.is_null() {
                // Drops the entries filled so far and the table.
                return None;
            }
            // SAFETY: entry `i` of the table; `addr` is `len` bytes of provider memory, mapped
            // by the kernel, now owned by the entry (type invariant).
            unsafe { bindings::p2pmem_sg_set_buf(this.sgl.as_ptr().add(i as usize), addr, len) };
        }
        Some(this)
    }

    /// Takes back a scatterlist that [`Self::into_raw`] handed to a C caller.
    ///
    /// # Safety
    ///
    /// `sgl` came from [`Self::into_raw`] of an `Sgl` of `provider`, and is not used after.
    pub(crate) unsafe fn from_raw(
        provider: ProviderView<'a>,
        sgl: NonNull<kbindings::scatterlist>,
    ) -> Self {
        // SAFETY: `sgl` is an end-marked table (caller's contract, type invariant).
        let nents = unsafe { kbindings::sg_nents(sgl.as_ptr()) };
        // INVARIANT: the table `into_raw` gave away, with as many entries as it was made with.
        Self {
            provider,
            sgl,
            nents: u32::try_from(nents).unwrap_or(0),
        }
    }

    /// Its number of entries.
    #[cfg(P2PMEM_KUNIT)]
    pub(crate) fn nents(&self) -> u32 {
        self.nents
    }

    /// Hands the scatterlist and its number of entries to a C caller, who frees it.
    pub(crate) fn into_raw(self) -> (*mut kbindings::scatterlist, u32) {
        let r = (self.sgl.as_ptr(), self.nents);
        core::mem::forget(self);
        r
    }
}

impl Drop for Sgl<'_> {
    fn drop(&mut self) {
        let n = self.nents as usize;
        for i in 0..n {
            // SAFETY: entry `i` of the table (type invariant).
            let sg = unsafe { self.sgl.as_ptr().add(i) };
            // SAFETY: `sg` is an initialised entry.
            if unsafe { bindings::p2pmem_sg_page(sg) }.is_null() {
                continue;
            }
            // SAFETY: an entry with a page points to `length` bytes of the provider's memory
            // that it alone owns (type invariant); the provider is live for `'a`.
            unsafe {
                bindings::p2pmem_provider_free(
                    self.provider.ptr.as_ptr(),
                    bindings::p2pmem_sg_virt(sg),
                    (*sg).length as usize,
                )
            };
        }
        // SAFETY: the table was allocated as a `KVec` of capacity `n` (type invariant); its
        // entries need no drop.
        drop(unsafe { KVec::from_raw_parts(self.sgl.as_ptr(), 0, n) });
    }
}

/// What a [`RevokeRegistration`] does when its provider starts going away.
pub(crate) trait Revoke: Send + Sync {
    /// Called once, in process context, before teardown waits for the provider's memory, with
    /// the provider's revocation lock held: it must not register or unregister a revocation.
    fn revoke(&self, provider: &ProviderRef);
}

/// A provider's user, told once before the provider goes away (`p2pmem_register_revoke()`);
/// unregistered when dropped.
///
/// # Invariants
///
/// `r` holds [`Self::callback`] and, from [`Self::new`] on, is registered with `provider` until
/// it is revoked or `drop` unregisters it (which waits for a callback in progress).
#[pin_data(PinnedDrop)]
pub(crate) struct RevokeRegistration<T: Revoke> {
    #[pin]
    r: Opaque<bindings::p2pmem_revoke>,
    provider: ProviderRef,
    data: T,
}

impl<T: Revoke> RevokeRegistration<T> {
    /// Registers `data` with `provider`: `ENODEV` when the provider is already going away,
    /// `ENOMEM`. Process context.
    pub(crate) fn new(provider: ProviderRef, data: T) -> Result<Pin<KBox<Self>>> {
        let this = KBox::pin_init(
            pin_init!(Self {
                // SAFETY: `r` is valid for writes; an unlinked (zeroed) node is what
                // `p2pmem_unregister_revoke()` takes as never registered.
                r <- Opaque::ffi_init(|r: *mut bindings::p2pmem_revoke| unsafe {
                    r.write(bindings::p2pmem_revoke {
                        revoke: Some(Self::callback),
                        ..Default::default()
                    })
                }),
                provider,
                data,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the provider is referenced by `this`, and `r` is pinned in `this`, which
        // unregisters it before it is freed.
        // INVARIANT: registered, or not at all on error (then dropped unregistered).
        to_result(unsafe {
            bindings::p2pmem_register_revoke(this.provider.as_raw(), this.r.get())
        })?;
        Ok(this)
    }

    /// The provider (referenced for as long as `self`).
    pub(crate) fn provider(&self) -> &ProviderRef {
        &self.provider
    }

    /// The revocation callback.
    ///
    /// # Safety
    ///
    /// `r` is the `r` of a live `RevokeRegistration<T>`.
    unsafe extern "C" fn callback(r: *mut bindings::p2pmem_revoke) {
        // SAFETY: `r` is the `r` field of a live `Self` (caller's contract), which
        // `p2pmem_unregister_revoke()` in `drop` waits for.
        let this = unsafe { &*kernel::container_of!(Opaque::cast_from(r).cast_mut(), Self, r) };
        this.data.revoke(&this.provider);
    }
}

impl<T: Revoke> Deref for RevokeRegistration<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

#[pinned_drop]
impl<T: Revoke> PinnedDrop for RevokeRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the provider is referenced; `r` is registered, revoked or never registered,
        // all of which `p2pmem_unregister_revoke()` takes, and it waits for a callback in
        // progress.
        unsafe { bindings::p2pmem_unregister_revoke(self.provider.as_raw(), self.r.get()) };
    }
}

// SAFETY: `T` is `Send`; the C side only reads the registration under its revocation lock.
unsafe impl<T: Revoke> Send for RevokeRegistration<T> {}

// SAFETY: `T` is `Sync`; shared access reads the immutable `provider` and `data`.
unsafe impl<T: Revoke> Sync for RevokeRegistration<T> {}

/// Where a provider's memory lies for the CPU, and its bus offset.
#[derive(Clone, Copy)]
pub(crate) struct Span {
    /// CPU physical address of the first byte.
    pub(crate) start: u64,
    /// CPU physical address of the last byte.
    pub(crate) end: u64,
    /// Bus address minus CPU physical address (wrapping).
    pub(crate) bus_offset: u64,
}

/// A provider borrowed for `'a` without a reference of its own: from a page of its memory,
/// which keeps the provider, or from a C caller that holds one.
///
/// # Invariants
///
/// `ptr` is a live provider for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct ProviderView<'a> {
    ptr: NonNull<bindings::p2pmem_provider>,
    _provider: PhantomData<&'a bindings::p2pmem_provider>,
}

impl<'a> ProviderView<'a> {
    /// The provider at `p`, or `None` if it is NULL.
    ///
    /// # Safety
    ///
    /// A non-NULL `p` is a live provider for `'a`.
    pub(crate) unsafe fn from_raw(p: *mut bindings::p2pmem_provider) -> Option<Self> {
        // INVARIANT: the safety requirements.
        NonNull::new(p).map(|ptr| Self {
            ptr,
            _provider: PhantomData,
        })
    }

    /// The provider whose memory `page` is, or `None` if it is not p2pmem.
    pub(crate) fn of_page(page: &BorrowedPage<'a>) -> Option<Self> {
        // SAFETY: `page` is a valid page.
        let p = unsafe { bindings::p2pmem_page_provider(page.as_ptr()) };
        // INVARIANT: a page of a provider's memory keeps the provider for as long as it is
        // valid, `'a`.
        NonNull::new(p).map(|ptr| Self {
            ptr,
            _provider: PhantomData,
        })
    }

    /// The PCI function whose BAR the memory is.
    pub(crate) fn pci(&self) -> &'a pci::Device {
        // SAFETY: `self.ptr` is live for `'a` (type invariant).
        unsafe { pci_of(self.ptr) }
    }

    /// The N of `p2pmemN`.
    pub(crate) fn id(&self) -> i32 {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_id(self.ptr.as_ptr()) }
    }

    /// The class device `p2pmemN`.
    pub(crate) fn device(&self) -> &'a device::Device {
        // SAFETY: `self.ptr` is live for `'a` (type invariant), and so is its class device.
        unsafe { device::Device::from_raw(bindings::p2pmem_provider_device(self.ptr.as_ptr())) }
    }

    /// Marks the memory as available (or not) to consumers that look for any provider (never
    /// in benchmark-only mode).
    pub(crate) fn publish(&self, publish: bool) {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_publish(self.ptr.as_ptr(), publish) };
    }

    /// Whether the memory is published now.
    pub(crate) fn is_published(&self) -> bool {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_published(self.ptr.as_ptr()) }
    }

    /// The size of its memory in bytes.
    pub(crate) fn size(&self) -> u64 {
        let s = self.span();
        s.end.wrapping_sub(s.start).wrapping_add(1)
    }

    /// Bytes free in the pool now.
    pub(crate) fn avail(&self) -> usize {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_avail(self.ptr.as_ptr()) }
    }

    /// How many allocations of its memory are live now: a snapshot.
    pub(crate) fn allocations(&self) -> kernel::ffi::c_long {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_allocations(self.ptr.as_ptr()) }
    }

    /// Root's opt-in (the `pin_any_client` attribute): user mappings may be pinned whatever
    /// the clients. Read now.
    pub(crate) fn pin_any_client(&self) -> bool {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_pin_any_client(self.ptr.as_ptr()) }
    }

    /// Where the memory lies.
    pub(crate) fn span(&self) -> Span {
        let mut s = bindings::p2pmem_provider_span::default();
        // SAFETY: `self.ptr` is live (type invariant); `s` is a valid out-parameter.
        unsafe { bindings::p2pmem_provider_span(self.ptr.as_ptr(), &mut s) };
        Span {
            start: s.start,
            end: s.end,
            bus_offset: s.bus_offset,
        }
    }
}

impl PartialEq for ProviderView<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}

/// A random number in `0..n` (`n` > 0), for choosing among equally close providers.
pub(crate) fn rand_below(n: u32) -> u32 {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_random_below(n) }
}

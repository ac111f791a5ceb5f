// SPDX-License-Identifier: GPL-2.0

//! Safe ownership of the C half of a provider (`rust/provider.c`): the ZONE_DEVICE pagemap over
//! a BAR range, its genalloc pool and its class device.

use core::{
    ffi::c_void,
    ptr::NonNull, //
};

use kernel::{
    error::{
        to_result,
        Error, //
    },
    pci,
    prelude::*, //
};

use super::{
    bindings,
    pci::raw, //
};

/// Where a memory BAR sits for the CPU and on the bus.
pub(crate) struct BarInfo {
    /// CPU physical start.
    pub(crate) cpu_start: u64,
    /// Length in bytes.
    pub(crate) len: u64,
    /// Bus address of the start.
    pub(crate) bus_start: u64,
}

/// BAR `bar` of `pdev`; `EINVAL` if it is not a memory BAR.
pub(crate) fn bar_info(pdev: &pci::Device, bar: u32) -> Result<BarInfo> {
    let bar = i32::try_from(bar).map_err(|_| EINVAL)?;
    let (mut cpu_start, mut len, mut bus_start) = (0, 0, 0);
    // SAFETY: `raw(pdev)` is a live PCI function's device; the out-pointers are valid.
    to_result(unsafe {
        bindings::p2pmem_bar_info(raw(pdev), bar, &mut cpu_start, &mut len, &mut bus_start)
    })?;
    Ok(BarInfo {
        cpu_start,
        len,
        bus_start,
    })
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

// SAFETY: the C provider synchronises internally (atomics, genalloc's lock-free bitmaps, the
// pagemap's percpu_ref), and is not tied to the creating thread.
unsafe impl Send for ProviderMem {}

// SAFETY: see `Send`; every method takes `&self`.
unsafe impl Sync for ProviderMem {}

impl ProviderMem {
    /// Maps `[offset, offset + size)` of BAR `bar` of `pdev` as ZONE_DEVICE pages, puts them in a
    /// pool and creates the class device. The range must already be validated (see
    /// `policy::provider_range`), and the `p2pmem` class registered.
    pub(crate) fn new(pdev: &pci::Device, bar: u32, offset: u64, size: u64) -> Result<Self> {
        let bar = i32::try_from(bar).map_err(|_| EINVAL)?;
        let mut err = 0;
        // SAFETY: the class pointer is the module's static class; `raw(pdev)` is a live PCI
        // function's device, referenced by the provider for its lifetime; `err` is valid.
        let p = unsafe {
            bindings::p2pmem_provider_create(
                bindings::p2pmem_class_get(),
                raw(pdev),
                bar,
                offset,
                size,
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

    /// Marks the memory as available (or not) to consumers that look for any provider.
    pub(crate) fn publish(&self, publish: bool) {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { bindings::p2pmem_provider_publish(self.ptr.as_ptr(), publish) };
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

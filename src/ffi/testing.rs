// SPDX-License-Identifier: GPL-2.0

//! What the KUnit suites need of C beyond the module's own API (`tests/kunit/helpers.c`):
//! scatterlists built from buffers, DMA masks, page-to-provider lookups.

use core::{
    ffi::c_void,
    ptr::NonNull, //
};

use kernel::{
    device,
    error::to_result,
    prelude::*, //
};

use super::{
    bindings,
    dev_raw, //
};

/// Maps a scatterlist of `segs` (buffer, length) for `client` with `p2pmem_map_sg()`, unmaps
/// it, and returns the DMA entries it had, or the error.
///
/// Every buffer must be `length` bytes of mapped memory within one page (RAM or p2pmem).
pub(crate) fn map_sg(
    client: &device::Device,
    segs: &[(NonNull<c_void>, u32)],
) -> Result<KVec<(u64, u32)>> {
    let mut bufs = KVec::with_capacity(segs.len(), GFP_KERNEL)?;
    let mut lens = KVec::with_capacity(segs.len(), GFP_KERNEL)?;
    for (b, l) in segs {
        bufs.push(b.as_ptr(), GFP_KERNEL)?;
        lens.push(*l, GFP_KERNEL)?;
    }
    let mut dma = KVec::from_elem(0u64, segs.len(), GFP_KERNEL)?;
    let mut dma_len = KVec::from_elem(0u32, segs.len(), GFP_KERNEL)?;
    let n = i32::try_from(segs.len())?;
    // SAFETY: `client` is live; the arrays hold `n` elements each; the buffers are mapped
    // memory (caller's contract).
    let count = unsafe {
        bindings::p2pmem_test_map_sg(
            dev_raw(client),
            bufs.as_ptr(),
            lens.as_ptr(),
            n,
            dma.as_mut_ptr(),
            dma_len.as_mut_ptr(),
        )
    };
    to_result(count)?;
    let mut out = KVec::new();
    for i in 0..usize::try_from(count)? {
        out.push((dma[i], dma_len[i]), GFP_KERNEL)?;
    }
    Ok(out)
}

/// `dev`'s DMA mask.
pub(crate) fn dma_mask(dev: &device::Device) -> u64 {
    // SAFETY: `dev` is live.
    unsafe { bindings::p2pmem_test_dma_mask(dev_raw(dev)) }
}

/// Sets `dev`'s DMA mask (tests restore it).
pub(crate) fn set_dma_mask(dev: &device::Device, mask: u64) -> Result {
    // SAFETY: `dev` is live.
    to_result(unsafe { bindings::p2pmem_test_set_dma_mask(dev_raw(dev), mask) })
}

/// The N of the `p2pmemN` whose page holds `buf`, if it is p2pmem.
pub(crate) fn page_provider_id(buf: NonNull<c_void>) -> Option<i32> {
    // SAFETY: `buf` is mapped memory (RAM or p2pmem) the caller holds.
    let id = unsafe { bindings::p2pmem_test_page_provider_id(buf.as_ptr()) };
    (id >= 0).then_some(id)
}

/// The CPU physical address of a linear-map address.
pub(crate) fn virt_to_phys(buf: NonNull<c_void>) -> u64 {
    // SAFETY: `buf` is a linear-map address the caller holds.
    unsafe { bindings::p2pmem_test_virt_to_phys(buf.as_ptr()) }
}

/// The refcount of the page holding `buf`.
pub(crate) fn page_ref(buf: NonNull<c_void>) -> i32 {
    // SAFETY: `buf` is mapped memory the caller holds.
    unsafe { bindings::p2pmem_test_page_ref(buf.as_ptr()) }
}

/// A reference on the page holding `buf`, as the network stack takes one; dropped by
/// [`PageRef`]'s `Drop`.
pub(crate) struct PageRef(NonNull<c_void>);

impl PageRef {
    /// Takes a reference on the page holding `buf`.
    pub(crate) fn get(buf: NonNull<c_void>) -> Self {
        // SAFETY: `buf` is in a page the caller holds a reference on, so taking another one is
        // legal.
        unsafe { bindings::p2pmem_test_get_page(buf.as_ptr()) };
        Self(buf)
    }
}

impl Drop for PageRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `get`.
        unsafe { bindings::p2pmem_test_put_page(self.0.as_ptr()) };
    }
}

/// Sleeps for the `test_wrap_delay_ms` module parameter of test builds (0: not at all), inside
/// wrap's check-and-insert step, so a VM test can land a bind there (`wrap-bind-race.sh`).
pub(crate) fn wrap_delay() {
    // SAFETY: no preconditions; process context (wrap's store).
    unsafe { bindings::p2pmem_test_wrap_delay() }
}

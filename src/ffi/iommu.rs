// SPDX-License-Identifier: GPL-2.0

//! The IOMMU domain a device's DMA goes through (`iommu_get_domain_for_dev()`).
//!
//! C header: [`include/linux/iommu.h`](srctree/include/linux/iommu.h)
//!
//! `kernel::iommu` covers IOMMU drivers' page tables, not the domain of a client device.

use kernel::device;

/// The type bits (`IOMMU_DOMAIN_*`, `struct iommu_domain.type`) of the domain `dev` is attached
/// to, or `None` when it has none. A snapshot: the domain can change right after.
#[cfg(CONFIG_IOMMU_API)]
pub(crate) fn domain_type(dev: &device::Device) -> Option<u32> {
    // SAFETY: `dev` is a live device; the call reads its group's current domain.
    let d = unsafe { kernel::bindings::iommu_get_domain_for_dev(super::dev_raw(dev)) };
    if d.is_null() {
        return None;
    }
    // SAFETY: `d` is the group's domain, which the IOMMU core frees only after detaching it;
    // its type is read once, at once, as C callers of `iommu_get_domain_for_dev()` do.
    Some(unsafe { (*d).type_ })
}

/// Without `CONFIG_IOMMU_API` no device has a domain.
#[cfg(not(CONFIG_IOMMU_API))]
pub(crate) fn domain_type(_dev: &device::Device) -> Option<u32> {
    None
}

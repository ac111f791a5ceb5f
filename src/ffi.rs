// SPDX-License-Identifier: GPL-2.0

//! The module's only door to C.
//!
//! Raw bindings (the module's own, generated from `rust/bindings.h` by Kbuild, and the kernel
//! crate's) are used here and nowhere else; the submodules turn them into safe types that the
//! rest of the module builds on.

pub(crate) mod address_space;
pub(crate) mod bench;
pub(crate) mod c_callback;
pub(crate) mod class;
pub(crate) mod dma;
pub(crate) mod dma_mapping;
pub(crate) mod exports;
pub(crate) mod iommu;
pub(crate) mod miscdev;
pub(crate) mod notifier;
mod page_index;
pub(crate) mod params;
pub(crate) mod pci;
pub(crate) mod provider;
pub(crate) mod ratelimit;
pub(crate) mod registry;
pub(crate) mod scatterlist;
pub(crate) mod task;
#[cfg(P2PMEM_KUNIT)]
pub(crate) mod testing;
mod user_mapping;
pub(crate) mod vma;
pub(crate) mod workqueue;
pub(crate) mod xarray;

/// The raw `struct device` of a device, for the C glue.
fn dev_raw(dev: &kernel::device::Device) -> *mut kernel::bindings::device {
    // CAST: `device::Device` is a transparent wrapper of `struct device`.
    core::ptr::from_ref(dev)
        .cast::<kernel::bindings::device>()
        .cast_mut()
}

/// Bindings generated from `rust/bindings.h`: the module's C glue and the public header.
///
/// Types the kernel crate already binds come from `kernel::bindings`, so the two sets of bindings
/// share them.
#[allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
mod bindings {
    use kernel::{
        bindings::*,
        ffi, //
    };
    use pin_init::MaybeZeroable;

    include!(concat!(
        env!("P2PMEM_OBJTREE"),
        "/rust/bindings_generated.rs"
    ));
}

// SPDX-License-Identifier: GPL-2.0

//! Streaming DMA mappings of single ranges, undone when dropped.
//!
//! C header: [`include/linux/dma-mapping.h`](srctree/include/linux/dma-mapping.h)
//!
//! The kernel crate maps whole `sg_table`s (`scatterlist::SGTable`) and coherent allocations, but
//! not a page or an MMIO range on its own. A [`DmaMapping`] is one such range: a page mapped with
//! `dma_map_page_attrs()`, a physical range that is not RAM mapped with `dma_map_resource()`, or
//! a bus address the device uses as is (peer-to-peer memory reached without the DMA API, which
//! the kernel's scatterlists mark with `sg_dma_mark_bus_address()`).

use kernel::{
    bindings,
    device::Device,
    dma::{
        DataDirection,
        DmaAddress, //
    },
    ffi::c_ulong,
    page::Page,
    prelude::*, //
};

use super::{
    bindings as p2pmem_bindings,
    dev_raw, //
};

/// Which DMA API call made a [`DmaMapping`], and so which one undoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum MapKind {
    /// `dma_map_page_attrs()`.
    Page = 0,
    /// A bus address given to the device as is: nothing to unmap.
    Bus = 1,
    /// `dma_map_resource()`.
    Resource = 2,
}

impl MapKind {
    /// The kind whose value is `raw` (see the discriminants).
    pub(crate) fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            0 => Some(Self::Page),
            1 => Some(Self::Bus),
            2 => Some(Self::Resource),
            _ => None,
        }
    }
}

/// The [`DataDirection`] of a raw `enum dma_data_direction`, or `None` if it is not one.
pub(crate) fn direction_from_raw(raw: bindings::dma_data_direction) -> Option<DataDirection> {
    [
        DataDirection::Bidirectional,
        DataDirection::ToDevice,
        DataDirection::FromDevice,
        DataDirection::None,
    ]
    .into_iter()
    .find(|d| bindings::dma_data_direction::from(*d) == raw)
}

/// A range a device may address by DMA, until dropped.
///
/// `attrs` are the raw `DMA_ATTR_*` bits of the mapping (the kernel crate's `dma::Attrs` cannot
/// be built from bits a C caller passes).
///
/// # Invariants
///
/// Unless `kind` is [`MapKind::Bus`], `[addr, addr + len)` was returned by the DMA API call of
/// `kind` for `dev` with `dir` and `attrs`, and is unmapped only by [`Drop`].
pub(crate) struct DmaMapping<'a> {
    dev: &'a Device,
    addr: DmaAddress,
    len: usize,
    dir: DataDirection,
    attrs: c_ulong,
    kind: MapKind,
}

impl<'a> DmaMapping<'a> {
    /// Maps `len` bytes at `offset` of `page` for `dev` with `dma_map_page_attrs()`.
    ///
    /// The page must stay allocated until the mapping is dropped; the caller holds it.
    ///
    /// Errors: the DMA API's, when the mapping fails.
    pub(crate) fn map_page(
        dev: &'a Device,
        page: &Page,
        offset: usize,
        len: usize,
        dir: DataDirection,
        attrs: c_ulong,
    ) -> Result<Self> {
        // SAFETY: `dev` and `page` are live; the DMA API checks the range and the direction.
        let addr = unsafe {
            bindings::dma_map_page_attrs(
                dev_raw(dev),
                page.as_ptr(),
                offset,
                len,
                dir.into(),
                attrs,
            )
        };
        // INVARIANT: mapped just above, if `check` says so.
        Self::check(dev, addr, len, dir, attrs, MapKind::Page)
    }

    /// Maps `len` bytes of MMIO at physical address `phys` for `dev` with `dma_map_resource()`:
    /// an IOMMU translates it, swiotlb never bounces it.
    ///
    /// Errors: the DMA API's, when the mapping fails.
    pub(crate) fn map_resource(
        dev: &'a Device,
        phys: u64,
        len: usize,
        dir: DataDirection,
        attrs: c_ulong,
    ) -> Result<Self> {
        // SAFETY: `dev` is live; the DMA API checks the range and the direction.
        let addr =
            unsafe { bindings::dma_map_resource(dev_raw(dev), phys, len, dir.into(), attrs) };
        // INVARIANT: mapped just above, if `check` says so.
        Self::check(dev, addr, len, dir, attrs, MapKind::Resource)
    }

    /// `len` bytes at bus address `addr`, which `dev` uses as is: nothing is mapped.
    pub(crate) fn bus(
        dev: &'a Device,
        addr: DmaAddress,
        len: usize,
        dir: DataDirection,
        attrs: c_ulong,
    ) -> Self {
        // INVARIANT: a bus address is not a DMA API mapping.
        Self {
            dev,
            addr,
            len,
            dir,
            attrs,
            kind: MapKind::Bus,
        }
    }

    fn check(
        dev: &'a Device,
        addr: DmaAddress,
        len: usize,
        dir: DataDirection,
        attrs: c_ulong,
        kind: MapKind,
    ) -> Result<Self> {
        // SAFETY: `dev` is live; `addr` is what a DMA API call returned for it.
        kernel::error::to_result(unsafe {
            p2pmem_bindings::p2pmem_dma_mapping_error(dev_raw(dev), addr)
        })?;
        Ok(Self {
            dev,
            addr,
            len,
            dir,
            attrs,
            kind,
        })
    }

    /// The address the device uses.
    pub(crate) fn addr(&self) -> DmaAddress {
        self.addr
    }

    /// The length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How it was mapped.
    pub(crate) fn kind(&self) -> MapKind {
        self.kind
    }

    /// Whether it was made for `dev`, `dir` and `attrs`.
    pub(crate) fn is_for(&self, dev: &Device, dir: DataDirection, attrs: c_ulong) -> bool {
        core::ptr::eq(self.dev, dev) && self.dir == dir && self.attrs == attrs
    }

    /// Leaves the mapping in place and returns its address, length and kind; only
    /// [`DmaMapping::from_raw`] undoes it.
    pub(crate) fn into_raw(self) -> (DmaAddress, usize, MapKind) {
        let raw = (self.addr, self.len, self.kind);
        core::mem::forget(self);
        raw
    }

    /// Takes back a mapping left in place by [`DmaMapping::into_raw`].
    ///
    /// # Safety
    ///
    /// `addr`, `len` and `kind` came from [`DmaMapping::into_raw`] of a mapping made for `dev`
    /// with `dir` and `attrs`, and no other value owns that mapping.
    pub(crate) unsafe fn from_raw(
        dev: &'a Device,
        addr: DmaAddress,
        len: usize,
        kind: MapKind,
        dir: DataDirection,
        attrs: c_ulong,
    ) -> Self {
        // INVARIANT: the safety requirements.
        Self {
            dev,
            addr,
            len,
            dir,
            attrs,
            kind,
        }
    }
}

impl Drop for DmaMapping<'_> {
    fn drop(&mut self) {
        let (dev, dir) = (dev_raw(self.dev), self.dir.into());
        match self.kind {
            // SAFETY: a live page mapping for `dev`, `dir` and `attrs` (type invariant).
            MapKind::Page => unsafe {
                bindings::dma_unmap_page_attrs(dev, self.addr, self.len, dir, self.attrs)
            },
            // SAFETY: a live resource mapping for `dev`, `dir` and `attrs` (type invariant).
            MapKind::Resource => unsafe {
                bindings::dma_unmap_resource(dev, self.addr, self.len, dir, self.attrs)
            },
            MapKind::Bus => {}
        }
    }
}

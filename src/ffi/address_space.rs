// SPDX-License-Identifier: GPL-2.0

//! The address space of an open file, to zap every user mapping of it
//! (`unmap_mapping_range()`), as a driver revokes mappings of device memory (vfio-pci does).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)

use core::ptr::NonNull;

use kernel::{
    bindings,
    fs::File,
    prelude::*, //
};

/// The address space that the mappings of an open file are linked in, kept by a reference on
/// the file's inode.
///
/// # Invariants
///
/// `inode` is an inode on which this value holds a reference (dropped by [`Drop`]), and every
/// mapping of the file it was made from is linked in `inode->i_mapping`.
pub(crate) struct AddressSpace {
    inode: NonNull<bindings::inode>,
}

// SAFETY: an inode reference can be used and dropped from any thread.
unsafe impl Send for AddressSpace {}

// SAFETY: `zap_all` may run on several threads at once (`unmap_mapping_range()` locks).
unsafe impl Sync for AddressSpace {}

impl AddressSpace {
    /// The address space of `file`'s mappings; `EINVAL` if they are not its inode's (a file
    /// whose driver redirected `f_mapping`, which a character device does not do).
    pub(crate) fn of_file(file: &File) -> Result<Self> {
        let f = file.as_ptr();
        // SAFETY: `file` is a valid file, whose inode and mapping are set for its lifetime.
        let (inode, mapping) = unsafe { ((*f).f_inode, (*f).f_mapping) };
        let inode = NonNull::new(inode).ok_or(EINVAL)?;
        // SAFETY: `inode` is the open file's inode, valid while the file is.
        if unsafe { (*inode.as_ptr()).i_mapping } != mapping {
            return Err(EINVAL);
        }
        // SAFETY: the open file holds a reference on its inode, so taking another is valid.
        unsafe { bindings::ihold(inode.as_ptr()) };
        // INVARIANT: the reference just taken; the file's mappings are in `i_mapping`.
        Ok(Self { inode })
    }

    /// Removes every page of every user mapping of the file from the page tables; the
    /// mappings stay, and fault again on their next access. Process context.
    pub(crate) fn zap_all(&self) {
        // SAFETY: the inode is referenced (type invariant), so its `i_mapping` is valid;
        // `unmap_mapping_range()` takes the locks it needs. Length 0 is "to the end";
        // `even_cows` 1 zaps private copies too.
        unsafe { bindings::unmap_mapping_range((*self.inode.as_ptr()).i_mapping, 0, 0, 1) };
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // SAFETY: drops the reference this value holds (type invariant).
        unsafe { bindings::iput(self.inode.as_ptr()) };
    }
}

// SPDX-License-Identifier: GPL-2.0

//! VMAs with a driver's own vm operations, filled at fault time (`struct vm_operations_struct`,
//! `vmf_insert_pfn()`).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h)
//!
//! The 7.3 kernel crate's [`VmaNew`] sets flags and maps pages with `vm_insert_page`, but cannot
//! install vm operations, make a mapping `VM_PFNMAP`, insert a PFN, read the mapping's offset or
//! map it uncached. This adds those, in the crate's style.
//!
//! A VMA set up with [`VmaNewExt::set_ops`] holds one reference on its data (an [`Arc`]): a copy
//! of the VMA (`mremap()` moving it, a split) takes another in `open`, and `close` drops the
//! VMA's. So the data lives exactly as long as some VMA maps it, and the driver's callbacks
//! always see it live.

use core::marker::PhantomData;

use kernel::{
    bindings,
    mm::virt::{
        flags,
        VmaNew,
        VmaRef, //
    },
    page::Page,
    prelude::*,
    sync::{
        Arc,
        ArcBorrow, //
    },
    types::ForeignOwnable, //
};

use super::bindings as p2pbindings;

/// The page frame number of device memory (a BAR, never RAM), for [`Fault::insert_pfn`].
///
/// A PFN mapping holds no page reference: mapping device memory cannot let a process reach
/// memory the kernel reuses, but whoever maps it must zap the mapping (for instance with
/// [`super::address_space::AddressSpace::zap_all`]) before the memory goes to another user.
///
/// # Invariants
///
/// `0` is the PFN of device memory, not RAM.
#[derive(Clone, Copy)]
pub(crate) struct DevicePfn(usize);

impl DevicePfn {
    /// The PFN `pfn`.
    ///
    /// # Safety
    ///
    /// `pfn` is device memory that stays device memory (a BAR the caller's device keeps
    /// mapped), never RAM the kernel may reuse.
    pub(crate) unsafe fn new(pfn: usize) -> Self {
        // INVARIANT: the caller's contract.
        Self(pfn)
    }

    /// The PFN.
    #[cfg(P2PMEM_KUNIT)]
    pub(crate) fn get(self) -> usize {
        self.0
    }
}

/// What a fault handler returns: `Ok` once the faulting address is mapped
/// (`VM_FAULT_NOPAGE`); `ENOMEM` for `VM_FAULT_OOM`, any other error for `VM_FAULT_SIGBUS`.
fn fault_code(r: Result) -> bindings::vm_fault_t {
    match r {
        Ok(()) => bindings::vm_fault_reason_VM_FAULT_NOPAGE,
        Err(e) if e == ENOMEM => bindings::vm_fault_reason_VM_FAULT_OOM,
        Err(_) => bindings::vm_fault_reason_VM_FAULT_SIGBUS,
    }
}

/// A page fault in a VMA set up with [`VmaNewExt::set_ops`].
///
/// # Invariants
///
/// `vmf` is the `struct vm_fault` of a fault being handled, for `'a`: its VMA is valid and read
/// locked (the mmap lock or the VMA's own lock) for `'a`.
pub(crate) struct Fault<'a> {
    vmf: *mut bindings::vm_fault,
    _vmf: PhantomData<&'a bindings::vm_fault>,
}

impl Fault<'_> {
    /// The faulting VMA.
    pub(crate) fn vma(&self) -> &VmaRef {
        // SAFETY: the VMA is valid and read locked for the fault (type invariant).
        unsafe { VmaRef::from_raw((*self.vmf).__bindgen_anon_1.vma) }
    }

    /// Maps `page` at `addr` of the VMA, with a reference of its own (`vm_insert_page()`);
    /// `EINVAL` unless the VMA is `VM_MIXEDMAP`, `EBUSY` if `addr` is mapped already, `EFAULT`
    /// outside the VMA.
    pub(crate) fn insert_page(&self, addr: usize, page: &Page) -> Result {
        self.vma()
            .as_mixedmap_vma()
            .ok_or(EINVAL)?
            .vm_insert_page(addr, page)
    }

    /// Maps `pfn` at `addr` of the VMA, without a page reference (`vmf_insert_pfn()`):
    /// `EINVAL` unless the VMA is a shared `VM_PFNMAP` mapping (as [`VmaNewExt::set_pfnmap`]
    /// makes it) and `addr` is inside it; `ENOMEM`, or `EFAULT` when it cannot be mapped.
    pub(crate) fn insert_pfn(&self, addr: usize, pfn: DevicePfn) -> Result {
        let vma = self.vma();
        let f = vma.flags();
        // `vmf_insert_pfn()` BUGs on a PFN map that is also a mixed map or copy-on-write.
        let cow = f & (flags::SHARED | flags::MAYWRITE) == flags::MAYWRITE;
        if f & flags::PFNMAP == 0 || f & flags::MIXEDMAP != 0 || cow {
            return Err(EINVAL);
        }
        if addr < vma.start() || addr >= vma.end() {
            return Err(EINVAL);
        }
        // SAFETY: the VMA is valid and read locked (type invariant), a shared PFN map and
        // `addr` is inside it (checked above); `pfn` is device memory, not RAM (`DevicePfn`
        // invariant).
        let r = unsafe { bindings::vmf_insert_pfn(vma.as_ptr(), addr, pfn.0) };
        match r {
            bindings::vm_fault_reason_VM_FAULT_NOPAGE => Ok(()),
            bindings::vm_fault_reason_VM_FAULT_OOM => Err(ENOMEM),
            _ => Err(EFAULT),
        }
    }
}

/// The vm operations of a VMA's data; see the [module documentation](self).
pub(crate) trait VmOperations: Send + Sync + Sized + 'static {
    /// A copy of a VMA that maps `self` was made (`mremap()` moving it, a split).
    fn open(&self) {}

    /// A VMA that maps `self` is closed; `self` lives on while other VMAs map it.
    fn close(&self) {}

    /// Whether a VMA that maps `self` may be split at `addr`.
    fn may_split(&self, _addr: usize) -> Result {
        Ok(())
    }

    /// An address of a VMA that maps `self` is accessed and not mapped. `Ok` once it is
    /// mapped; `ENOMEM` makes the fault `VM_FAULT_OOM`, any other error `VM_FAULT_SIGBUS`.
    fn fault(&self, fault: &Fault<'_>) -> Result;
}

/// The `vm_operations_struct` of `T`.
struct VmOpsVTable<T: VmOperations>(PhantomData<T>);

impl<T: VmOperations> VmOpsVTable<T> {
    const VTABLE: bindings::vm_operations_struct = bindings::vm_operations_struct {
        open: Some(Self::open),
        close: Some(Self::close),
        may_split: Some(Self::may_split),
        fault: Some(Self::fault),
        ..pin_init::zeroed()
    };

    /// The VMA's data.
    ///
    /// # Safety
    ///
    /// `vma` is a valid VMA set up by [`VmaNewExt::set_ops`] with `T`, whose reference on its
    /// data has not been dropped, for `'a`.
    unsafe fn data<'a>(vma: *mut bindings::vm_area_struct) -> ArcBorrow<'a, T> {
        // SAFETY: `vm_private_data` is an `Arc<T>` from `into_foreign`, on which the VMA holds
        // a reference for `'a` (the caller's contract).
        unsafe { <Arc<T> as ForeignOwnable>::borrow((*vma).vm_private_data) }
    }

    /// # Safety
    ///
    /// `vma` is a new copy of a VMA set up by [`VmaNewExt::set_ops`] with `T`.
    unsafe extern "C" fn open(vma: *mut bindings::vm_area_struct) {
        // SAFETY: the copy's `vm_private_data` is its source's, which holds a reference.
        let data: Arc<T> = unsafe { Self::data(vma) }.into();
        data.open();
        // The copy's reference, dropped by its `close`.
        let _ = data.into_foreign();
    }

    /// # Safety
    ///
    /// `vma` is a VMA set up by [`VmaNewExt::set_ops`] with `T`, being closed.
    unsafe extern "C" fn close(vma: *mut bindings::vm_area_struct) {
        // SAFETY: the closing VMA gives up its reference (taken by `set_ops` or `open`).
        let data = unsafe { <Arc<T> as ForeignOwnable>::from_foreign((*vma).vm_private_data) };
        data.close();
    }

    /// # Safety
    ///
    /// `vma` is a live VMA set up by [`VmaNewExt::set_ops`] with `T`.
    unsafe extern "C" fn may_split(
        vma: *mut bindings::vm_area_struct,
        addr: kernel::ffi::c_ulong,
    ) -> kernel::ffi::c_int {
        // SAFETY: the VMA is live and holds its reference (caller's contract).
        let data = unsafe { Self::data(vma) };
        match data.may_split(addr) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// `vmf` is a fault being handled in a VMA set up by [`VmaNewExt::set_ops`] with `T`.
    unsafe extern "C" fn fault(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
        // INVARIANT: `vmf` is a fault being handled, its VMA read locked for this call.
        let fault = Fault {
            vmf,
            _vmf: PhantomData,
        };
        // SAFETY: the faulting VMA is live and holds its reference (caller's contract).
        let data = unsafe { Self::data((*vmf).__bindgen_anon_1.vma) };
        fault_code(data.fault(&fault))
    }
}

/// What [`VmaNew`] lacks to set up a mapping that a driver fills and tears down itself.
pub(crate) trait VmaNewExt {
    /// The offset the mapping starts at in the file, in pages (`vm_pgoff`).
    fn pgoff(&self) -> usize;

    /// Maps the memory uncached (`pgprot_noncached()`), as the kernel maps device memory.
    fn set_uncached(&self);

    /// Makes the VMA a `VM_PFNMAP | VM_IO` mapping, whose PFNs GUP refuses to pin; `EINVAL` if
    /// it is `VM_MIXEDMAP` (the two exclude each other), or not shared (a PFN map must not be
    /// copy-on-write). Do not call [`VmaNew::set_mixedmap`] after it.
    fn set_pfnmap(&self) -> Result;

    /// Installs `T`'s vm operations with `data`, on which the VMA then holds a reference.
    fn set_ops<T: VmOperations>(&self, data: Arc<T>);
}

impl VmaNewExt for VmaNew {
    fn pgoff(&self) -> usize {
        // SAFETY: the VMA is being set up (`VmaNew` invariant): valid, and ours to read.
        unsafe { (*self.as_ptr()).vm_pgoff }
    }

    fn set_uncached(&self) {
        // SAFETY: the VMA is being set up (`VmaNew` invariant), not yet shared; any protection
        // is valid for it.
        unsafe { p2pbindings::p2pmem_vma_set_noncached(self.as_ptr()) };
    }

    fn set_pfnmap(&self) -> Result {
        let f = self.flags();
        if f & flags::MIXEDMAP != 0 || f & flags::MAYSHARE == 0 {
            return Err(EINVAL);
        }
        // SAFETY: the VMA is being set up (`VmaNew` invariant), so this is no data race
        // (`VmaNew` is `!Sync`); `VM_PFNMAP | VM_IO` on a shared VMA that is not `VM_MIXEDMAP`
        // is a valid combination.
        unsafe {
            (*self.as_ptr()).__bindgen_anon_2.vm_flags |= flags::PFNMAP | flags::IO;
        }
        Ok(())
    }

    fn set_ops<T: VmOperations>(&self, data: Arc<T>) {
        let vma = self.as_ptr();
        // SAFETY: the VMA is being set up (`VmaNew` invariant) and not yet shared. Its
        // reference on `data` is dropped by the vtable's `close`, which the kernel calls for
        // every VMA that is set up, including one whose mmap fails after this hook.
        unsafe {
            (*vma).vm_private_data = data.into_foreign();
            (*vma).vm_ops = &VmOpsVTable::<T>::VTABLE;
        }
    }
}

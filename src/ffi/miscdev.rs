// SPDX-License-Identifier: GPL-2.0

//! A misc device (`struct miscdevice`) with a name made at run time, a mode and a parent,
//! whose open files are Rust objects that mmap.
//!
//! C header: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h)
//!
//! The 7.3 kernel crate's `MiscDeviceRegistration` takes only a static name, has no mode or
//! parent, and gives `open` no data of the registration's; this is the part of it a device
//! node of a device object needs.

use core::marker::PhantomData;

use kernel::{
    bindings,
    device::Device,
    fs::File,
    mm::virt::VmaNew,
    prelude::*,
    str::CString,
    sync::{
        Arc,
        ArcBorrow, //
    },
    types::{
        ForeignOwnable,
        Opaque, //
    }, //
};

/// The file operations of a misc device's open files.
pub(crate) trait MiscFile: Send + Sync + Sized + 'static {
    /// What the registration keeps for `open`.
    type Registration: Send + Sync;

    /// The device node is opened: the new file's object.
    fn open(reg: &Self::Registration, file: &File) -> Result<Arc<Self>>;

    /// The last reference to the file is gone (no mapping holds it any more).
    fn release(this: Arc<Self>) {
        drop(this);
    }

    /// `mmap()` of the file: sets up `vma`.
    fn mmap(this: ArcBorrow<'_, Self>, vma: &VmaNew) -> Result;
}

/// A registered misc device; deregistered when dropped (open files stay open).
///
/// # Invariants
///
/// `misc` is registered (`misc_register()`) with the name in `name` and [`MiscFile`]'s file
/// operations for `T`, from initialisation until [`PinnedDrop`]; `data` is initialised before
/// it is registered.
#[pin_data(PinnedDrop)]
pub(crate) struct MiscRegistration<T: MiscFile> {
    name: CString,
    data: T::Registration,
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    _t: PhantomData<T>,
}

// SAFETY: `misc_deregister()` may be called from any thread; `data` is `Send`.
unsafe impl<T: MiscFile> Send for MiscRegistration<T> {}

// SAFETY: shared access only reads `data` (`Sync`); the C side locks the misc device itself.
unsafe impl<T: MiscFile> Sync for MiscRegistration<T> {}

impl<T: MiscFile> MiscRegistration<T> {
    /// Registers `/dev/<name>` with access `mode` (the permission bits), below `parent` in
    /// sysfs; its opens get `data`.
    pub(crate) fn register(
        name: CString,
        mode: u16,
        parent: &Device,
        data: T::Registration,
    ) -> impl PinInit<Self, Error> {
        let name_ptr = name.as_char_ptr();
        let parent = super::dev_raw(parent);
        try_pin_init!(Self {
            name,
            data,
            misc <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                // SAFETY: `slot` is valid for writes; the name lives in `name`'s buffer, which
                // is initialised and does not move with the value; `parent` is a live device
                // that outlives the registration (it is the caller's device).
                unsafe {
                    slot.write(bindings::miscdevice {
                        minor: bindings::MISC_DYNAMIC_MINOR as kernel::ffi::c_int,
                        name: name_ptr,
                        fops: &MiscVTable::<T>::VTABLE,
                        parent,
                        mode,
                        ..pin_init::zeroed()
                    })
                };
                // SAFETY: `slot` is a filled, pinned `struct miscdevice`; `PinnedDrop`
                // deregisters it before it is freed.
                // INVARIANT: registered on success, after `name` and `data`.
                kernel::error::to_result(unsafe { bindings::misc_register(slot) })
            }),
            _t: PhantomData,
        })
    }
}

#[pinned_drop]
impl<T: MiscFile> PinnedDrop for MiscRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: registered (type invariant), and deregistered only here.
        unsafe { bindings::misc_deregister(self.misc.get()) };
    }
}

/// The file operations of `T`.
struct MiscVTable<T: MiscFile>(PhantomData<T>);

impl<T: MiscFile> MiscVTable<T> {
    const VTABLE: bindings::file_operations = bindings::file_operations {
        owner: kernel::module::this_module::<crate::LocalModule>().as_ptr(),
        open: Some(Self::open),
        release: Some(Self::release),
        mmap: Some(Self::mmap),
        ..pin_init::zeroed()
    };

    /// # Safety
    ///
    /// `file` is being opened through a `MiscRegistration<T>`'s device node: `misc_open()`
    /// set its private data to the registration's `struct miscdevice`, which it keeps
    /// registered for the call.
    unsafe extern "C" fn open(
        _inode: *mut bindings::inode,
        file: *mut bindings::file,
    ) -> kernel::ffi::c_int {
        // SAFETY: the open call owns the private data (caller's contract).
        let misc = unsafe { (*file).private_data }.cast::<bindings::miscdevice>();
        // SAFETY: `misc` is the `misc` field of a registered `MiscRegistration<T>`, kept for
        // the call (caller's contract).
        let reg = unsafe {
            &*kernel::container_of!(
                Opaque::cast_from(misc).cast_mut(),
                MiscRegistration<T>,
                misc
            )
        };
        // SAFETY: the file is valid for the call, with no fdget_pos region on this thread.
        let f = unsafe { File::from_raw_file(file) };
        match T::open(&reg.data, f) {
            Ok(this) => {
                // SAFETY: the open call owns the private data; `release` takes it back.
                unsafe { (*file).private_data = this.into_foreign() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// `file` was opened by `open` and is being released.
    unsafe extern "C" fn release(
        _inode: *mut bindings::inode,
        file: *mut bindings::file,
    ) -> kernel::ffi::c_int {
        // SAFETY: `open` stored an `Arc<T>` there; the release owns it.
        let this = unsafe { <Arc<T> as ForeignOwnable>::from_foreign((*file).private_data) };
        T::release(this);
        0
    }

    /// # Safety
    ///
    /// `file` was opened by `open`, not yet released; `vma` is being set up for it.
    unsafe extern "C" fn mmap(
        file: *mut bindings::file,
        vma: *mut bindings::vm_area_struct,
    ) -> kernel::ffi::c_int {
        // SAFETY: `open` stored an `Arc<T>` there, which lives until `release`, after this.
        let this = unsafe { <Arc<T> as ForeignOwnable>::borrow((*file).private_data) };
        // SAFETY: `vma` is being set up in this mmap hook (caller's contract).
        let vma = unsafe { VmaNew::from_raw(vma) };
        match T::mmap(this, vma) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

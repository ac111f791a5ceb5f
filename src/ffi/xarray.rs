// SPDX-License-Identifier: GPL-2.0

//! An XArray read under RCU without its lock (`xa_load()`, `xa_find()`), written under its lock
//! with interrupts off (`XA_FLAGS_LOCK_IRQ`), holding value entries or boxes freed an RCU grace
//! period after their removal.
//!
//! C header: [`include/linux/xarray.h`](srctree/include/linux/xarray.h)
//!
//! `kernel::xarray::XArray` takes its lock for every load, locks without disabling interrupts
//! and drops a removed entry at once, so it cannot serve lock-free readers in any context. This
//! type can be a `static` (as `DEFINE_XARRAY_FLAGS()` makes one in C): it is initialised by its
//! first writer, and until then reads find it empty.

use core::{
    marker::{
        PhantomData,
        PhantomPinned, //
    },
    ops::Deref,
    pin::Pin,
    ptr::NonNull, //
};

use kernel::{
    alloc, bindings as kbindings,
    ffi::c_void,
    prelude::*,
    str::CStr,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Relaxed,
            Release, //
        },
        rcu,
        LockClassKey, //
    },
    types::{
        NotThreadSafe,
        Opaque, //
    },
};

use super::bindings;

/// What an [`XArray`] can hold.
///
/// # Safety
///
/// `into_raw` returns a pointer that is neither NULL nor an XArray internal entry (bit 1 set
/// and bit 0 clear) and that `borrow`, `retire` and `from_raw` accept; the borrowed value stays
/// valid until `retire` has returned and an RCU grace period has elapsed.
pub(crate) unsafe trait Entry: Sized {
    /// What a reader gets.
    type Borrowed<'a>;

    /// Gives the entry to the array.
    fn into_raw(self) -> *mut c_void;

    /// The entry `ptr` as a reader sees it.
    ///
    /// # Safety
    ///
    /// `ptr` came from `into_raw` and is not retired, or its grace period not over, before `'a`
    /// ends.
    unsafe fn borrow<'a>(ptr: *mut c_void) -> Self::Borrowed<'a>;

    /// Takes back an entry that never was in an array.
    ///
    /// # Safety
    ///
    /// `ptr` came from `into_raw` and no reader can have seen it.
    unsafe fn from_raw(ptr: *mut c_void) -> Self;

    /// Takes back an entry removed from the array; readers may still borrow it until an RCU
    /// grace period has elapsed.
    ///
    /// # Safety
    ///
    /// `ptr` came from `into_raw` and is in no array any more.
    unsafe fn retire(ptr: *mut c_void);
}

/// An integer stored in the entry itself (`xa_mk_value()`): at most [`Value::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Value(usize);

impl Value {
    /// The largest value an entry can hold.
    pub(crate) const MAX: usize = isize::MAX as usize;

    /// `v` as an entry; `None` above [`Value::MAX`].
    pub(crate) fn new(v: usize) -> Option<Self> {
        (v <= Self::MAX).then_some(Self(v))
    }

    /// The integer.
    pub(crate) fn get(self) -> usize {
        self.0
    }
}

// SAFETY: `(v << 1) | 1` has bit 0 set, so it is neither NULL nor internal; a value owns nothing.
unsafe impl Entry for Value {
    type Borrowed<'a> = Value;

    fn into_raw(self) -> *mut c_void {
        // As `xa_mk_value()`.
        core::ptr::without_provenance_mut((self.0 << 1) | 1)
    }

    unsafe fn borrow<'a>(ptr: *mut c_void) -> Self::Borrowed<'a> {
        // As `xa_to_value()`.
        Value(ptr.addr() >> 1)
    }

    unsafe fn from_raw(ptr: *mut c_void) -> Self {
        // SAFETY: the same as `borrow` (caller's contract).
        unsafe { Self::borrow(ptr) }
    }

    unsafe fn retire(_ptr: *mut c_void) {}
}

/// A `T` in a box with an RCU head.
#[repr(C)]
struct RcuInner<T> {
    head: Opaque<kbindings::callback_head>,
    value: T,
}

/// A boxed `T` that an [`XArray`] frees an RCU grace period after removing it (`kfree_rcu()`),
/// so readers under RCU may still use it. `T` is pinned.
///
/// # Invariants
///
/// `ptr` came from `KBox::into_raw` of an `RcuInner<T>` that this value owns.
pub(crate) struct RcuBox<T: Send + 'static> {
    ptr: NonNull<RcuInner<T>>,
}

// SAFETY: an `RcuBox` owns its `T`, which is `Send`.
unsafe impl<T: Send + 'static> Send for RcuBox<T> {}

// SAFETY: shared access only hands out `&T`; `T` is read concurrently only if it is `Sync`.
unsafe impl<T: Send + Sync + 'static> Sync for RcuBox<T> {}

impl<T: Send + 'static> RcuBox<T> {
    /// Boxes `value`.
    pub(crate) fn new(value: T, gfp: alloc::Flags) -> Result<Self> {
        let b = KBox::new(
            RcuInner {
                head: Opaque::uninit(),
                value,
            },
            gfp,
        )?;
        // INVARIANT: the box's pointer, owned by the new value.
        Ok(Self {
            // SAFETY: `KBox::into_raw` never returns NULL.
            ptr: unsafe { NonNull::new_unchecked(KBox::into_raw(b)) },
        })
    }

    /// The value, pinned: it never moves until it is freed.
    pub(crate) fn get(&self) -> Pin<&T> {
        // SAFETY: `ptr` is a live box owned by `self` (type invariant), which never moves its
        // contents.
        unsafe { Pin::new_unchecked(&(*self.ptr.as_ptr()).value) }
    }

    /// Frees the box (the `call_rcu()` callback).
    ///
    /// # Safety
    ///
    /// `head` is the head of an `RcuInner<T>` from `KBox::into_raw`, retired a grace period ago.
    unsafe extern "C" fn free(head: *mut kbindings::callback_head) {
        // CAST: `head` is the first field of a `#[repr(C)]` `RcuInner<T>` (caller's contract).
        let inner = head.cast::<RcuInner<T>>();
        // SAFETY: the box is ours again: no reader is left (caller's contract).
        drop(unsafe { KBox::from_raw(inner) });
    }
}

impl<T: Send + 'static> Deref for RcuBox<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.get().get_ref()
    }
}

impl<T: Send + 'static> Drop for RcuBox<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` is owned by `self` (type invariant) and no reader has it: a box given to
        // an array is dropped through `retire`, never here.
        drop(unsafe { KBox::from_raw(self.ptr.as_ptr()) });
    }
}

// SAFETY: a box is at least 8-byte aligned (it holds a `callback_head`), so bits 0 and 1 are
// clear; `retire` frees it only after a grace period.
unsafe impl<T: Send + 'static> Entry for RcuBox<T> {
    type Borrowed<'a> = Pin<&'a T>;

    fn into_raw(self) -> *mut c_void {
        let ptr = self.ptr.as_ptr();
        core::mem::forget(self);
        ptr.cast()
    }

    unsafe fn borrow<'a>(ptr: *mut c_void) -> Self::Borrowed<'a> {
        // SAFETY: `ptr` is a live `RcuInner<T>` for `'a` (caller's contract), never moved.
        unsafe { Pin::new_unchecked(&(*ptr.cast::<RcuInner<T>>()).value) }
    }

    unsafe fn from_raw(ptr: *mut c_void) -> Self {
        // INVARIANT: `ptr` came from `into_raw`, so from `KBox::into_raw` (caller's contract).
        Self {
            // SAFETY: `into_raw` never returns NULL.
            ptr: unsafe { NonNull::new_unchecked(ptr.cast()) },
        }
    }

    unsafe fn retire(ptr: *mut c_void) {
        let inner = ptr.cast::<RcuInner<T>>();
        // SAFETY: `inner` is a live box no array holds any more (caller's contract); `free`
        // drops it after a grace period, when no reader can have it.
        unsafe { kbindings::call_rcu((*inner).head.get(), Some(Self::free)) };
    }
}

const UNINIT: u32 = 0;
const INITIALISING: u32 = 1;
const READY: u32 = 2;

/// A sparse array of `T`s by `usize` index: lock-free reads under RCU, writes under its lock
/// with interrupts off, usable in any context.
///
/// # Invariants
///
/// Once `state` is `READY`, `xa` is an initialised `struct xarray` with `XA_FLAGS_LOCK_IRQ`,
/// every entry of which came from `T::into_raw`; it is initialised once, by the caller that
/// moved `state` from `UNINIT`, and does not move from then on (the type is `!Unpin` and used
/// pinned).
pub(crate) struct XArray<T: Entry> {
    xa: Opaque<kbindings::xarray>,
    state: Atomic<u32>,
    name: &'static CStr,
    key: Pin<&'static LockClassKey>,
    _t: PhantomData<T>,
    _pin: PhantomPinned,
}

// SAFETY: the array's lock serialises writers and RCU protects readers; entries are handed from
// thread to thread, so `T` must be `Send`.
unsafe impl<T: Entry + Send> Sync for XArray<T> {}

// SAFETY: as `Sync`.
unsafe impl<T: Entry + Send> Send for XArray<T> {}

impl<T: Entry> XArray<T> {
    /// An empty array whose lock is called `name` in class `key` (see
    /// [`kernel::static_lock_class!`]).
    pub(crate) const fn new(name: &'static CStr, key: Pin<&'static LockClassKey>) -> Self {
        Self {
            xa: Opaque::uninit(),
            state: Atomic::new(UNINIT),
            name,
            key,
            _t: PhantomData,
            _pin: PhantomPinned,
        }
    }

    /// The `struct xarray` if it is initialised.
    fn raw(&self) -> Option<*mut kbindings::xarray> {
        (self.state.load(Acquire) == READY).then(|| self.xa.get())
    }

    /// The `struct xarray`, initialised now if it is not yet.
    fn raw_init(self: Pin<&Self>) -> *mut kbindings::xarray {
        if let Some(xa) = self.raw() {
            return xa;
        }
        if self.state.cmpxchg(UNINIT, INITIALISING, Relaxed).is_ok() {
            let xa = self.xa.get();
            // SAFETY: `xa` is ours to initialise (only the caller that moved `state` from
            // `UNINIT` gets here, and nobody uses `xa` before it is `READY`) and pinned; as
            // `xa_init_flags()`, with a lock class of our own.
            unsafe {
                kbindings::__spin_lock_init(
                    &raw mut (*xa).xa_lock,
                    self.name.as_char_ptr(),
                    self.key.as_ptr(),
                );
                (*xa).xa_flags = bindings::P2PMEM_XA_FLAGS_LOCK_IRQ;
                (*xa).xa_head = core::ptr::null_mut();
            }
            // INVARIANT: `xa` is initialised and empty.
            self.state.store(READY, Release);
            return xa;
        }
        // Another CPU is initialising it, which takes a few instructions.
        while self.state.load(Acquire) != READY {
            core::hint::spin_loop();
        }
        self.xa.get()
    }

    /// The entry at `index` (`xa_load()`), without the lock.
    pub(crate) fn load<'a>(
        self: Pin<&'a Self>,
        _rcu: &'a rcu::Guard,
        index: usize,
    ) -> Option<T::Borrowed<'a>> {
        let xa = self.get_ref().raw()?;
        // SAFETY: `xa` is initialised (type invariant); `xa_load` takes no lock.
        let ptr = unsafe { kbindings::xa_load(xa, index) };
        // SAFETY: a non-NULL entry came from `T::into_raw` (type invariant), and it is not freed
        // before the RCU read-side critical section `_rcu` ends.
        (!ptr.is_null()).then(|| unsafe { T::borrow(ptr) })
    }

    /// The first entry at or after `*index` (`xa_find()`), without the lock; `*index` is set
    /// to its index.
    pub(crate) fn find<'a>(
        self: Pin<&'a Self>,
        _rcu: &'a rcu::Guard,
        index: &mut usize,
    ) -> Option<T::Borrowed<'a>> {
        let xa = self.get_ref().raw()?;
        // SAFETY: `xa` is initialised (type invariant) and `index` a valid in/out parameter.
        let ptr = unsafe { kbindings::xa_find(xa, index, usize::MAX, kbindings::XA_PRESENT) };
        // SAFETY: as in `load`.
        (!ptr.is_null()).then(|| unsafe { T::borrow(ptr) })
    }

    /// Takes the lock, with interrupts off (`xa_lock_irqsave()`).
    pub(crate) fn lock(self: Pin<&Self>) -> Guard<'_, T> {
        let xa = self.raw_init();
        // SAFETY: `xa` is initialised.
        let flags = unsafe { bindings::p2pmem_xa_lock_irqsave(xa) };
        // INVARIANT: locked just now.
        Guard {
            xa: self.get_ref(),
            raw: xa,
            flags,
            _not_send: NotThreadSafe,
        }
    }
}

impl<T: Entry> Drop for XArray<T> {
    fn drop(&mut self) {
        // SAFETY: `self` is pinned (type invariant): it is dropped where it was used.
        let this = unsafe { Pin::new_unchecked(&*self) };
        if this.raw().is_some() {
            this.lock().clear();
            // SAFETY: initialised, empty and unused from now on.
            unsafe { kbindings::xa_destroy(self.xa.get()) };
        }
    }
}

/// An [`XArray`] locked.
///
/// # Invariants
///
/// `raw` is `xa`'s initialised `struct xarray`, locked with `xa_lock_irqsave()`, which saved
/// `flags`.
pub(crate) struct Guard<'a, T: Entry> {
    xa: &'a XArray<T>,
    raw: *mut kbindings::xarray,
    flags: usize,
    _not_send: NotThreadSafe,
}

impl<T: Entry> Guard<'_, T> {
    /// The entry at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<T::Borrowed<'_>> {
        // SAFETY: `raw` is initialised and locked (type invariant).
        let ptr = unsafe { kbindings::xa_load(self.raw, index) };
        // SAFETY: the entry came from `T::into_raw`; it can only be retired under the lock,
        // which `self` holds for the borrow.
        (!ptr.is_null()).then(|| unsafe { T::borrow(ptr) })
    }

    /// Stores `value` at `index`, retiring the entry it replaces. The lock is held with
    /// interrupts off, so nodes are allocated with `GFP_ATOMIC`, and a failure is not warned
    /// about (`__GFP_NOWARN`): it hands `value` back.
    pub(crate) fn store(&mut self, index: usize, value: T) -> core::result::Result<(), T> {
        let gfp = kbindings::GFP_ATOMIC | kbindings::__GFP_NOWARN;
        let new = value.into_raw();
        // SAFETY: `raw` is initialised and locked (type invariant); `new` came from
        // `T::into_raw`.
        let old = unsafe { kbindings::__xa_store(self.raw, index, new, gfp) };
        // SAFETY: no preconditions.
        if unsafe { kbindings::xa_err(old) } != 0 {
            // SAFETY: not stored, so no reader saw it.
            return Err(unsafe { T::from_raw(new) });
        }
        if !old.is_null() {
            // SAFETY: `old` came from `T::into_raw` and is no longer in the array.
            unsafe { T::retire(old) };
        }
        Ok(())
    }

    /// Removes and retires every entry.
    pub(crate) fn clear(&mut self) {
        let mut index = 0;
        loop {
            // SAFETY: `raw` is initialised and locked (type invariant); `index` is valid.
            let ptr = unsafe {
                kbindings::xa_find(self.raw, &mut index, usize::MAX, kbindings::XA_PRESENT)
            };
            if ptr.is_null() {
                break;
            }
            // SAFETY: as above; `index` holds `ptr`.
            unsafe { kbindings::__xa_erase(self.raw, index) };
            // SAFETY: `ptr` came from `T::into_raw` and is no longer in the array.
            unsafe { T::retire(ptr) };
        }
    }
}

impl<T: Entry> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: locked by `lock`, which saved `flags` (type invariant).
        unsafe { bindings::p2pmem_xa_unlock_irqrestore(self.raw, self.flags) };
        let _ = self.xa;
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The two module-wide locks: wrapped providers and the CPU ranges of all providers.
//!
//! Global locks must be initialised once before use, which only `unsafe` code can promise; it
//! is promised here, and the accessors refuse (`ENODEV`) before initialisation and, for wraps,
//! after [`close`], so nothing can add a wrap that module exit would not tear down.
//! Lock order: `WRAPS` before `RANGES`.

use core::ops::DerefMut;

use kernel::{
    prelude::*,
    sync::atomic::{
        Acquire,
        AtomicFlag,
        Full,
        Release, //
    }, //
};

use crate::registry::{
    Ranges,
    Wraps, //
};

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it before `READY` is set; the accessors check `READY`.
    unsafe(uninit) static WRAPS: Mutex<Wraps> = Wraps::new();
}

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it before `READY` is set; the accessors check `READY`.
    unsafe(uninit) static RANGES: Mutex<Ranges> = Ranges::new();
}

/// Set once `init()` has started; it runs once per module load.
static INIT: AtomicFlag = AtomicFlag::new(false);
/// Set once both locks are initialised.
static READY: AtomicFlag = AtomicFlag::new(false);
/// Set (under `WRAPS`) when module exit has taken the wraps away.
static CLOSED: AtomicFlag = AtomicFlag::new(false);

/// Initialises the locks; the module calls it first thing in its init.
pub(crate) fn init() {
    if INIT.xchg(true, Full) {
        return;
    }
    // SAFETY: `INIT` makes this the only call; `READY` is not set yet, so nothing locks them.
    unsafe {
        WRAPS.init();
        RANGES.init();
    }
    READY.store(true, Release);
}

/// The wraps, locked; `ENODEV` before `init()` or after `close()`.
pub(crate) fn wraps() -> Result<impl DerefMut<Target = Wraps>> {
    if !READY.load(Acquire) {
        return Err(ENODEV);
    }
    let guard = WRAPS.lock();
    if CLOSED.load(Acquire) {
        return Err(ENODEV);
    }
    Ok(guard)
}

/// The provider ranges, locked; `ENODEV` before `init()`.
pub(crate) fn ranges() -> Result<impl DerefMut<Target = Ranges>> {
    if !READY.load(Acquire) {
        return Err(ENODEV);
    }
    Ok(RANGES.lock())
}

/// Refuses new wraps from now on and hands back the existing ones (module exit drops them).
pub(crate) fn close() -> Wraps {
    let mut taken = Wraps::new();
    if READY.load(Acquire) {
        let mut guard = WRAPS.lock();
        CLOSED.store(true, Release);
        core::mem::swap(&mut *guard, &mut taken);
    }
    taken
}

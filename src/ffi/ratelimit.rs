// SPDX-License-Identifier: GPL-2.0

//! Rate limits (`struct ratelimit_state`, `__ratelimit()`).
//!
//! C header: [`include/linux/ratelimit.h`](srctree/include/linux/ratelimit.h)
//!
//! The kernel crate has no abstraction of it. A [`RateLimit`] can be a `static`, as
//! `DEFINE_RATELIMIT_STATE()` makes one in C; it is initialised on first use, because a spinlock
//! cannot be initialised at compile time from Rust.

use kernel::{
    bindings as kbindings,
    ffi::c_int,
    str::{
        CStr,
        CStrExt as _, //
    },
    sync::atomic::{
        Acquire,
        Atomic,
        Relaxed,
        Release, //
    },
    types::Opaque, //
};

use super::bindings;

const UNINIT: u32 = 0;
const INITIALISING: u32 = 1;
const READY: u32 = 2;

/// At most `burst` events per `interval`, as `__ratelimit()` counts them.
///
/// # Invariants
///
/// Once `state` is `READY`, `rs` is an initialised `struct ratelimit_state`; it is initialised
/// once, by the caller that moved `state` from `UNINIT` to `INITIALISING`.
pub(crate) struct RateLimit {
    rs: Opaque<kbindings::ratelimit_state>,
    state: Atomic<u32>,
    interval: c_int,
    burst: c_int,
    name: &'static CStr,
}

// SAFETY: `struct ratelimit_state` has its own lock; `state` orders its initialisation.
unsafe impl Sync for RateLimit {}

// SAFETY: a `struct ratelimit_state` is not tied to a thread.
unsafe impl Send for RateLimit {}

impl RateLimit {
    /// `burst` events per `interval_ms` milliseconds. `name` is the function name
    /// `__ratelimit()` gives in its "callbacks suppressed" message.
    pub(crate) const fn new(name: &'static CStr, interval_ms: u32, burst: u32) -> Self {
        let jiffies = interval_ms as u64 * kbindings::HZ as u64 / 1000;
        assert!(jiffies <= c_int::MAX as u64 && burst <= c_int::MAX as u32);
        Self {
            rs: Opaque::uninit(),
            state: Atomic::new(UNINIT),
            // CAST: checked above.
            interval: jiffies as c_int,
            // CAST: checked above.
            burst: burst as c_int,
            name,
        }
    }

    fn ready(&self) -> *mut kbindings::ratelimit_state {
        if self.state.load(Acquire) != READY {
            if self.state.cmpxchg(UNINIT, INITIALISING, Relaxed).is_ok() {
                // SAFETY: `rs` is ours to initialise: only the caller that moved `state` from
                // `UNINIT` gets here, and nobody reads `rs` before `state` is `READY`.
                unsafe {
                    bindings::p2pmem_ratelimit_state_init(self.rs.get(), self.interval, self.burst)
                };
                // INVARIANT: `rs` is initialised.
                self.state.store(READY, Release);
            } else {
                // Another CPU is initialising it, which takes a few instructions.
                while self.state.load(Acquire) != READY {
                    core::hint::spin_loop();
                }
            }
        }
        self.rs.get()
    }

    /// Whether one more event is within the limit (`__ratelimit()`). Any context.
    pub(crate) fn allow(&self) -> bool {
        let rs = self.ready();
        // SAFETY: `rs` is initialised (type invariant, `ready`); `name` is a static string.
        unsafe { kbindings::___ratelimit(rs, self.name.as_char_ptr()) != 0 }
    }
}

/// `pr_info!` rate limited per call site, as `pr_info_ratelimited()`: at most 10 lines per 5 s
/// from each place it is written (the kernel's `DEFAULT_RATELIMIT_INTERVAL` and `_BURST`), then
/// a "callbacks suppressed" line. For messages a user's bad input causes, which a loop of bad
/// writes must not turn into a flood.
macro_rules! pr_info_ratelimited {
    ($($arg:tt)*) => {{
        static LIMIT: $crate::ffi::ratelimit::RateLimit = $crate::ffi::ratelimit::RateLimit::new(
            ::kernel::c_str!(::core::concat!(::core::module_path!(), ":", ::core::line!())),
            5000,
            10,
        );
        if LIMIT.allow() {
            ::kernel::pr_info!($($arg)*);
        }
    }};
}
pub(crate) use pr_info_ratelimited;

/// `dev_info!` rate limited per call site, as `dev_info_ratelimited()`; see
/// [`pr_info_ratelimited`].
macro_rules! dev_info_ratelimited {
    ($dev:expr, $($arg:tt)*) => {{
        static LIMIT: $crate::ffi::ratelimit::RateLimit = $crate::ffi::ratelimit::RateLimit::new(
            ::kernel::c_str!(::core::concat!(::core::module_path!(), ":", ::core::line!())),
            5000,
            10,
        );
        if LIMIT.allow() {
            ::kernel::dev_info!($dev, $($arg)*);
        }
    }};
}
pub(crate) use dev_info_ratelimited;

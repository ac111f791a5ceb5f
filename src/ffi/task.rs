// SPDX-License-Identifier: GPL-2.0

//! The current process, for messages: its TGID (`task_tgid_nr(current)`) and command name
//! (`get_task_comm()`).
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h)
//!
//! Read by the C glue, not through `kernel::task::Task`: on the test kernel the kernel crate's
//! binding of `struct task_struct` is 64 bytes shorter than the C structure (`tgid` at 996
//! instead of 1044), so `Task::tgid()` reads another field.

use kernel::{
    ffi::c_char,
    fmt, //
};

use super::bindings;

/// The TGID (the process ID) of the current task.
pub(crate) fn current_tgid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_current_tgid() }
}

/// A copy of a task's command name (`TASK_COMM_LEN` bytes, NUL padded).
#[derive(Clone, Copy)]
pub(crate) struct Comm([u8; bindings::P2PMEM_TASK_COMM_LEN as usize]);

impl Comm {
    /// The current task's, as `get_task_comm()` copies it.
    pub(crate) fn current() -> Self {
        let mut c = [0u8; bindings::P2PMEM_TASK_COMM_LEN as usize];
        // SAFETY: `c` has room for the `TASK_COMM_LEN` bytes the helper writes.
        unsafe { bindings::p2pmem_current_comm(c.as_mut_ptr().cast::<c_char>()) };
        Self(c)
    }

    /// The name, without its NUL padding.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        &self.0[..len]
    }
}

impl fmt::Display for Comm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(core::str::from_utf8(self.as_bytes()).unwrap_or("?"))
    }
}

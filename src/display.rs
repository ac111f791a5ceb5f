// SPDX-License-Identifier: GPL-2.0

//! `kernel::fmt::Display` for the policy's types, so `pr_*!`, `dev_*!` and `fmt!` print them.
//!
//! The policy crate has no kernel dependency and implements `core::fmt::Display`; the kernel's
//! formatting macros take their own `Display` trait, and this file forwards one to the other.

use kernel::fmt;

use crate::policy::pci_addr::PciAddr;

impl fmt::Display for PciAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

// SPDX-License-Identifier: GPL-2.0

//! `kernel::fmt::Display` for the policy's types, so `pr_*!`, `dev_*!` and `fmt!` print them.
//!
//! The policy crate has no kernel dependency and implements `core::fmt::Display`; the kernel's
//! formatting macros take their own `Display` trait, and this file forwards one to the other:
//! directly for PCI addresses and IDs, printed everywhere, and through [`Shown`] for the rest.

use kernel::fmt;

use crate::policy::{
    pci_addr::PciAddr,
    topology::PciId, //
};

impl fmt::Display for PciAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for PciId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// Prints any `core::fmt::Display` value through the kernel's formatting macros, e.g.
/// `pr_warn!("{}\n", Shown(verdict.reason()))`.
pub(crate) struct Shown<T>(pub(crate) T);

impl<T: core::fmt::Display> fmt::Display for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

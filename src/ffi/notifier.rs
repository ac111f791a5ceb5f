// SPDX-License-Identifier: GPL-2.0

//! PCI bus events the module reacts to: a function about to be removed, or to get or lose a
//! driver, loses its wraps first (`rust/helpers.c` registers the notifier).

use kernel::{
    bindings as kbindings,
    device,
    error::to_result,
    ffi::c_int,
    pci,
    prelude::*, //
};

use super::{
    bindings,
    pci::PciFn, //
};
use crate::policy::topology::PciFunction;

/// What is about to happen to a PCI function.
#[derive(Clone, Copy)]
pub(crate) enum PciEvent {
    /// It is being removed (hot-unplug, `remove` in sysfs).
    Removed,
    /// A driver is about to bind to it.
    Binding,
    /// Its driver is about to unbind.
    Unbinding,
    /// It was added to the bus.
    Added,
    /// It is gone from the bus.
    Gone,
}

/// Keeps the bus notifier registered while it lives.
pub(crate) struct PciNotifier {
    _private: (),
}

impl PciNotifier {
    /// Registers the notifier.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: no preconditions; the notifier block is a static in `rust/helpers.c`.
        to_result(unsafe { bindings::p2pmem_pci_notifier_register() })?;
        Ok(Self { _private: () })
    }
}

impl Drop for PciNotifier {
    fn drop(&mut self) {
        // SAFETY: registered in `new()`; after this returns no callback runs any more.
        unsafe { bindings::p2pmem_pci_notifier_unregister() };
    }
}

/// Called by the bus notifier in `rust/helpers.c` for a PCI function's `struct device`.
///
/// # Safety
///
/// `dev` is a live PCI function's device for the duration of the call.
#[no_mangle]
unsafe extern "C" fn p2pmem_pci_event(dev: *mut kbindings::device, what: c_int) {
    let event = match what {
        0 => PciEvent::Removed,
        1 => PciEvent::Binding,
        2 => PciEvent::Unbinding,
        3 => PciEvent::Added,
        _ => PciEvent::Gone,
    };
    if matches!(event, PciEvent::Added | PciEvent::Gone) {
        // The topology changed: any cached verdict may be wrong now.
        crate::verdict_cache::invalidate();
        return;
    }
    // SAFETY: the notifier passes a live device (caller's contract).
    let dev = unsafe { device::Device::from_raw(dev) };
    if let Ok(pdev) = <&pci::Device>::try_from(dev) {
        crate::wrap::device_event(PciFn::new(pdev).addr(), event);
    }
}

const _: () = {
    let _: [unsafe extern "C" fn(*mut kbindings::device, c_int); 2] =
        [bindings::p2pmem_pci_event, p2pmem_pci_event];
};

// SPDX-License-Identifier: GPL-2.0

//! The C API functions implemented in Rust (`include/linux/p2pmem.h`, exported by
//! `rust/exports.c`).

use kernel::{
    bindings as kbindings,
    device,
    ffi::c_int,
    pci,
    prelude::*, //
};

use super::{
    bindings,
    pci::PciFn, //
};
use crate::{
    display::Shown,
    host_bridge::Snapshot,
    policy::{
        topology::PciFunction,
        verdict::verdict, //
    },
};

/// `p2pmem_distance_many()`: see its kernel-doc in `include/linux/p2pmem.h`.
///
/// # Safety
///
/// `provider` is a live `pci_dev`; `clients` points to `num_clients` live devices.
#[no_mangle]
unsafe extern "C" fn p2pmem_distance_many(
    provider: *mut kbindings::pci_dev,
    clients: *mut *mut kbindings::device,
    num_clients: c_int,
    verbose: bool,
) -> c_int {
    let Ok(n) = usize::try_from(num_clients) else {
        return -1;
    };
    if provider.is_null() || (clients.is_null() && n > 0) {
        return -1;
    }
    // SAFETY: `provider` is a live `pci_dev` (caller's contract).
    let pdev = unsafe { device::Device::from_raw(bindings::p2pmem_pci_dev_device(provider)) };
    let Ok(pdev) = <&pci::Device>::try_from(pdev) else {
        return -1;
    };
    let clients = if n == 0 {
        &[][..]
    } else {
        // SAFETY: `clients` points to `n` device pointers (caller's contract).
        unsafe { core::slice::from_raw_parts(clients, n) }
    };
    let allowed = Snapshot::take();
    let policy = allowed.policy();
    let p = PciFn::new(pdev);
    let mut total: c_int = 0;
    for &client in clients {
        // SAFETY: each client is a live device (caller's contract); its parents live as long.
        let pci_dev = unsafe { bindings::p2pmem_pci_parent_of(client) };
        let cdev = (!pci_dev.is_null())
            // SAFETY: a non-NULL result is `client` or one of its parents, live as `client` is.
            .then(|| unsafe { device::Device::from_raw(pci_dev) })
            .and_then(|d| <&pci::Device>::try_from(d).ok());
        let Some(cdev) = cdev else {
            if verbose {
                dev_warn!(pdev, "p2pmem: a client is not a PCI device\n");
            }
            return -1;
        };
        let v = verdict(&p, &PciFn::new(cdev), &policy);
        if !v.possible() {
            if verbose {
                dev_warn!(
                    cdev,
                    "p2pmem: cannot use the memory of {}: {}\n",
                    p.addr(),
                    Shown(v.reason())
                );
            }
            return -1;
        }
        total = total.saturating_add(c_int::try_from(v.distance).unwrap_or(c_int::MAX));
    }
    total
}

const _: () = {
    type F = unsafe extern "C" fn(
        *mut kbindings::pci_dev,
        *mut *mut kbindings::device,
        c_int,
        bool,
    ) -> c_int;
    let _: [F; 2] = [bindings::p2pmem_distance_many, p2pmem_distance_many];
};

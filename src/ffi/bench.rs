// SPDX-License-Identifier: GPL-2.0

//! The benchmark file of the bench flavor (`rust/bench.c`): it exists only when the kernel has
//! `CONFIG_PCI_P2PDMA`, where the module runs in benchmark-only mode.

#[cfg(CONFIG_PCI_P2PDMA)]
use kernel::error::to_result;
use kernel::prelude::*;

#[cfg(CONFIG_PCI_P2PDMA)]
use super::bindings;

/// `/sys/kernel/debug/p2pmem-bench/bench` while this value lives (bench flavor only).
pub(crate) struct BenchFile(());

impl BenchFile {
    /// Creates the file if the kernel has `CONFIG_PCI_P2PDMA`; else nothing.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: no preconditions; `Drop` removes what this creates.
        #[cfg(CONFIG_PCI_P2PDMA)]
        to_result(unsafe { bindings::p2pmem_bench_register() })?;
        Ok(Self(()))
    }
}

impl Drop for BenchFile {
    fn drop(&mut self) {
        // SAFETY: `new` registered the file.
        #[cfg(CONFIG_PCI_P2PDMA)]
        unsafe {
            bindings::p2pmem_bench_unregister()
        };
    }
}

/// `p2pmem_bench_distance_uncached()`: `p2pmem_distance_many()` as on a cache miss for every
/// client (each verdict computed and stored), for the uncached verdict benchmark.
///
/// # Safety
///
/// `provider` is a live `pci_dev`; `clients` points to `num_clients` live devices.
#[cfg(CONFIG_PCI_P2PDMA)]
#[no_mangle]
unsafe extern "C" fn p2pmem_bench_distance_uncached(
    provider: *mut kernel::bindings::pci_dev,
    clients: *mut *mut kernel::bindings::device,
    num_clients: kernel::ffi::c_int,
) -> kernel::ffi::c_int {
    let n = usize::try_from(num_clients).unwrap_or(0);
    // SAFETY: `provider` is live (caller's contract).
    let pdev = unsafe { super::pci::pci_device(provider) };
    match pdev {
        Some(pdev) if n > 0 && !clients.is_null() => {
            // SAFETY: `clients` points to `n` live devices (caller's contract).
            let clients = unsafe { core::slice::from_raw_parts(clients, n) };
            // SAFETY: as above.
            unsafe {
                super::exports::distance_many(pdev, clients, false, crate::verdict_cache::refresh)
            }
        }
        _ => -1,
    }
}

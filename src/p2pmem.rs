// SPDX-License-Identifier: GPL-2.0

//! p2pmem: peer-to-peer PCI memory.
//!
//! Memory that a PCI device exposes on a BAR (an NVMe Controller Memory Buffer, a plain memory
//! BAR) is made available to other devices as a DMA target, so data moves device to device
//! without a bounce through host RAM. Every provider of such memory is a device in the
//! `p2pmem` class.

use kernel::{
    driver,
    pci,
    prelude::*, //
};

mod claim;
mod display;
mod ffi;
mod host_bridge;
mod membar;
mod nvme_cmb;
mod page_index;
mod pin;
#[path = "../policy/src/lib.rs"]
pub mod policy;
mod provider;
mod query;
mod refusal;
mod registry;
mod shim;
mod user_mapping;
mod verdict_cache;
mod wrap;

#[cfg(P2PMEM_KUNIT)]
#[path = "../tests/kunit.rs"]
mod kunit;

module! {
    type: P2pmemModule,
    name: "p2pmem",
    authors: ["The p2pmem developers"],
    description: "Peer-to-peer PCI memory",
    license: "GPL",
}

#[pin_data]
struct P2pmemModule {
    /// The benchmark file (bench flavor only); removed before the providers go.
    _bench: ffi::bench::BenchFile,
    /// The memory-BAR driver; dropped first, so its providers go before the class.
    #[pin]
    _membar: driver::Registration<pci::Adapter<membar::MemBarDriver>>,
    /// Tears down the wraps of functions that are removed or change driver.
    _notifier: ffi::notifier::PciNotifier,
    /// Tears down every wrapped provider, before the class goes.
    _registry: registry::RegistryGuard,
    /// `/sys/kernel/debug/p2pmem/query`.
    _query: query::QueryFile,
    /// Keeps `/sys/class/p2pmem` registered while the module is loaded.
    _class: ffi::class::ClassRegistration,
    /// Frees the verdict cache last, once nothing can look up.
    _cache: verdict_cache::CacheGuard,
}

impl kernel::InPlaceModule for P2pmemModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _cache: verdict_cache::CacheGuard::new(),
            _registry: registry::RegistryGuard::new(),
            _class: {
                if let Some(param) = ffi::params::host_bridge_allow() {
                    let param = param.to_str().map_err(|_| EINVAL)?;
                    verdict_cache::host_bridge_allow_store(param).inspect_err(|_| {
                        pr_err!(
                            "bad host_bridge_allow= parameter; expected vvvv:dddd[,vvvv:dddd...]\n"
                        )
                    })?;
                }
                let class = ffi::class::ClassRegistration::new().inspect_err(|e| {
                    pr_err!("cannot register the p2pmem device class: {:?}\n", e)
                })?;
                pr_info!("class registered\n");
                class
            },
            _query: query::QueryFile::new()?,
            _notifier: ffi::notifier::PciNotifier::new()?,
            _membar <- driver::Registration::new(c"p2pmem_membar", module),
            _bench: ffi::bench::BenchFile::new()?,
        })
    }
}

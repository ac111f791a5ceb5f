// SPDX-License-Identifier: GPL-2.0

//! p2pmem: peer-to-peer PCI memory.
//!
//! Memory that a PCI device exposes on a BAR (an NVMe Controller Memory Buffer, a plain memory
//! BAR) is made available to other devices as a DMA target, so data moves device to device
//! without a bounce through host RAM. Every provider of such memory is a device in the
//! `p2pmem` class.

use kernel::prelude::*;

mod display;
mod ffi;
mod host_bridge;
#[path = "../policy/src/lib.rs"]
pub mod policy;
mod query;

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

struct P2pmemModule {
    /// Keeps `/sys/class/p2pmem` registered while the module is loaded.
    _class: ffi::class::ClassRegistration,
    /// `/sys/kernel/debug/p2pmem/query`.
    _query: query::QueryFile,
}

impl kernel::Module for P2pmemModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if let Some(param) = ffi::class::param_host_bridge_allow() {
            let param = param.to_str().map_err(|_| EINVAL)?;
            host_bridge::apply(param).inspect_err(|_| {
                pr_err!("bad host_bridge_allow= parameter; expected vvvv:dddd[,vvvv:dddd...]\n")
            })?;
        }
        let class = ffi::class::ClassRegistration::new()
            .inspect_err(|e| pr_err!("cannot register the p2pmem device class: {:?}\n", e))?;
        let query = query::QueryFile::new()?;
        pr_info!("p2pmem class registered\n");
        Ok(Self {
            _class: class,
            _query: query,
        })
    }
}

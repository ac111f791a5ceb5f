// SPDX-License-Identifier: GPL-2.0

//! p2pmem's policy: pure decisions with no kernel dependency.
//!
//! The same source files are compiled three ways: into `p2pmem.ko` (as the `policy` module of
//! the kernel crate, through `#[path]`), into this host crate for `cargo test`, and into the
//! userspace CLI. So nothing here allocates, logs or touches hardware; callers describe the
//! world through plain values and [`topology::PciFunction`], and get plain values back.

#![cfg_attr(not(any(test, P2PMEM_MODULE)), no_std)]

pub mod bar;
pub mod buddy;
pub mod bus_offset;
pub mod dma_api;
pub mod dma_plan;
pub mod host_bridge;
pub mod nvme_cmb;
pub mod pci_addr;
pub mod pin;
pub mod provider_range;
pub mod selection;
pub mod synthetic;
pub mod topology;
pub mod verdict;
pub mod verdict_cache;
pub mod wrap;

#[cfg(test)]
mod tests;

// SPDX-License-Identifier: GPL-2.0

//! The verdict cache's storage (`rust/vcache.c`: an xarray of value entries) and the small PCI
//! and DMA facts the cache and the map shim read of a device.

use kernel::{
    device,
    pci, //
};

use super::{
    bindings,
    dev_raw,
    pci::raw, //
};
use crate::policy::verdict_cache::Key;

/// The cached value under `key`, if any. Lock-free.
pub(crate) fn lookup(key: Key) -> Option<u64> {
    let mut v = 0;
    // SAFETY: no preconditions; `v` is a valid out-parameter.
    let hit =
        unsafe { bindings::p2pmem_vcache_lookup(index(key.provider), index(key.client), &mut v) };
    // CAST: `unsigned long` is 64 bits on every architecture the module builds for.
    hit.then_some(v as u64)
}

/// The generation to pass to [`store`]: read it before reading the topology.
pub(crate) fn generation() -> u32 {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_vcache_generation() }
}

/// Stores `value` under `key` unless the cache was flushed since `generation` was read. Any
/// context.
pub(crate) fn store(key: Key, value: u64, generation: u32) {
    // CAST: see `lookup`; values are below 2^62 (`Cached::encode`).
    let value = value as usize;
    // SAFETY: no preconditions.
    unsafe {
        bindings::p2pmem_vcache_store(index(key.provider), index(key.client), value, generation)
    };
}

/// Empties the cache and bumps the generation.
pub(crate) fn flush() {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_vcache_flush() };
}

/// Frees the cache's memory; the module's last use of it.
pub(crate) fn destroy() {
    // SAFETY: no preconditions; later lookups find an empty cache.
    unsafe { bindings::p2pmem_vcache_destroy() };
}

/// The entries, in key order, as `(key, value)`.
pub(crate) fn entries() -> impl Iterator<Item = (Key, u64)> {
    // The next (provider, client) to look at or after; `None` when done.
    let mut next = Some((0usize, 0usize));
    core::iter::from_fn(move || loop {
        let (from, mut client) = next?;
        let mut provider = from;
        // SAFETY: a valid in/out parameter.
        if !unsafe { bindings::p2pmem_vcache_next_provider(&mut provider) } {
            next = None;
            return None;
        }
        if provider != from {
            // A later provider than the one we were in: from its first client.
            client = 0;
        }
        let mut v = 0;
        // SAFETY: valid in/out parameters.
        if unsafe { bindings::p2pmem_vcache_next_client(provider, &mut client, &mut v) } {
            next = client.checked_add(1).map(|c| (provider, c));
            // CAST: see `lookup`.
            let key = Key {
                provider: provider as u64,
                client: client as u64,
            };
            return Some((key, v as u64));
        }
        // This provider has no more clients (or went away in a flush): the next one.
        next = provider.checked_add(1).map(|p| (p, 0));
    })
}

/// Whether a refusal may be logged now (one budget for all refusal messages).
pub(crate) fn refusal_ratelimit() -> bool {
    // SAFETY: no preconditions.
    unsafe { bindings::p2pmem_refusal_ratelimit() }
}

/// The id (`PciAddr::id`: domain, bus, devfn) of a PCI function, without reading config space.
pub(crate) fn pci_addr_id(dev: &pci::Device) -> u64 {
    // SAFETY: `raw(dev)` is a live PCI function's device.
    unsafe { bindings::p2pmem_pci_addr(raw(dev)) }
}

/// The highest bus address `dev` can reach: its DMA mask, capped by the bus limit.
pub(crate) fn dma_limit(dev: &device::Device) -> u64 {
    // SAFETY: `dev` is a live device.
    unsafe { bindings::p2pmem_dma_limit(dev_raw(dev)) }
}

/// `dev`'s maximum DMA segment size and segment boundary mask.
pub(crate) fn dma_seg_limits(dev: &device::Device) -> (u64, u64) {
    let (mut max, mut boundary) = (0, 0);
    // SAFETY: `dev` is a live device; valid out-parameters.
    unsafe { bindings::p2pmem_dma_seg_limits(dev_raw(dev), &mut max, &mut boundary) };
    (max, boundary)
}

fn index(id: u64) -> usize {
    // CAST: `unsigned long` is 64 bits on every architecture the module builds for (asserted).
    id as usize
}

const _: () = assert!(core::mem::size_of::<usize>() == 8);

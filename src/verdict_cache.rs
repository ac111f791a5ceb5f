// SPDX-License-Identifier: GPL-2.0

//! Verdicts per (provider, client), cached for the paths that need them often (the map shim,
//! `p2pmem_distance_many()`), and invalidated when they may have changed.
//!
//! The cache is flushed when a PCI function appears or disappears, when the host-bridge
//! allowlist changes, and when root writes `/sys/class/p2pmem/flush`. Changing ACS control with
//! setpci sends no notification, so a cached verdict can be stale until a flush; the query file
//! and `p2pmem_find_many()` therefore compute afresh. (The in-tree cache is never invalidated.)

use kernel::{
    pci,
    prelude::*, //
};

use crate::{
    ffi::{
        pci::{
            pci_addr,
            PciFn, //
        },
        vcache, //
    },
    host_bridge,
    policy::{
        pci_addr::PciAddr,
        verdict::{
            verdict,
            Verdict, //
        },
        verdict_cache::{
            key,
            pair,
            Cached, //
        },
    },
};

/// The verdict for `client` using `provider`'s memory, from the cache or computed (and cached).
/// Any context.
pub(crate) fn cached(provider: &pci::Device, client: &pci::Device) -> Cached {
    let k = key(pci_addr(provider), pci_addr(client));
    if let Some(c) = vcache::lookup(k).and_then(Cached::decode) {
        return c;
    }
    refresh(provider, client)
}

/// What [`cached`] does on a miss: computes the verdict and caches it. Any context.
pub(crate) fn refresh(provider: &pci::Device, client: &pci::Device) -> Cached {
    let k = key(pci_addr(provider), pci_addr(client));
    let generation = vcache::generation();
    let v = fresh(provider, client);
    let c = Cached {
        map_type: v.map_type,
        distance: v.distance,
    };
    vcache::store(k, c.encode(), generation);
    c
}

/// What the cache holds for the pair, without computing anything.
pub(crate) fn peek(provider: PciAddr, client: PciAddr) -> Option<Cached> {
    vcache::lookup(key(provider, client)).and_then(Cached::decode)
}

/// Fills the cache for the pair with `v` if it holds nothing for it; `generation` was read
/// before `v` was computed.
pub(crate) fn fill(provider: PciAddr, client: PciAddr, v: &Verdict, generation: u32) {
    let k = key(provider, client);
    if vcache::lookup(k).is_none() {
        let c = Cached {
            map_type: v.map_type,
            distance: v.distance,
        };
        vcache::store(k, c.encode(), generation);
    }
}

/// The verdict computed now, with the reason (ACS state read now).
pub(crate) fn fresh(provider: &pci::Device, client: &pci::Device) -> Verdict {
    let allowed = host_bridge::Snapshot::take();
    verdict(
        &PciFn::new(provider),
        &PciFn::new(client),
        &allowed.policy(),
    )
}

/// The generation to pass to [`fill`].
pub(crate) fn generation() -> u32 {
    vcache::generation()
}

/// Forgets every cached verdict.
pub(crate) fn invalidate() {
    vcache::flush();
}

/// `/sys/class/p2pmem/flush`: writing `1` forgets every cached verdict.
pub(crate) fn flush_store(s: &str) -> Result {
    if crate::policy::selection::kstrtobool(s.trim()) != Some(true) {
        pr_err!("flush: write 1 to forget the cached P2P verdicts\n");
        return Err(EINVAL);
    }
    invalidate();
    Ok(())
}

/// The cached pairs and their verdicts, in key order.
pub(crate) fn entries() -> impl Iterator<Item = (PciAddr, PciAddr, Cached)> {
    vcache::entries().filter_map(|(k, v)| {
        let (p, c) = pair(k);
        Cached::decode(v).map(|v| (p, c, v))
    })
}

/// Frees the cache when the module goes.
pub(crate) struct CacheGuard {
    _private: (),
}

impl CacheGuard {
    /// The cache, for the module's lifetime.
    pub(crate) fn new() -> Self {
        Self { _private: () }
    }
}

impl Drop for CacheGuard {
    fn drop(&mut self) {
        vcache::destroy();
    }
}

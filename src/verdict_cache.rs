// SPDX-License-Identifier: GPL-2.0

//! Verdicts per (provider, client), cached for the paths that need them often (the map shim,
//! `p2pmem_distance_many()`), and invalidated when they may have changed.
//!
//! The cache is flushed when a PCI function appears or disappears, when the host-bridge
//! allowlist changes, and when root writes `/sys/class/p2pmem/flush`. Changing ACS control with
//! setpci sends no notification, so a cached verdict can be stale until a flush; the query file
//! and `p2pmem_find_many()` therefore compute afresh. (The in-tree cache is never invalidated.)

//!
//! The store: (provider, client) -> [`Cached`] as XArray value entries, so a lookup is two
//! lock-free loads under RCU and storing an entry needs no object. Each function is keyed by
//! its 48-bit id (`PciAddr::id`: the domain has 32 bits, VMD's are 0x10000 and up), so two ids
//! do not fit one index: the top array maps a provider's id to its row, an array of the
//! clients' ids. Rows are created on the first store for a provider and freed an RCU grace
//! period after a flush removes them.
//!
//! Invalidation: every flush bumps a generation under the top array's lock and removes
//! everything. A verdict computed from topology read before a flush is stored only if no flush
//! happened since (checked under the same lock), so a flush can never be undone by a late store.
//! Rows are changed only under that lock too (their own lock nests inside it).

use core::pin::Pin;

use kernel::{
    alloc::flags::{
        __GFP_NOWARN, //
        GFP_ATOMIC,
    },
    pci,
    prelude::*,
    static_lock_class,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Relaxed, //
        },
        rcu, //
    }, //
};

use crate::{
    ffi::{
        pci::{
            pci_addr,
            PciFn, //
        },
        ratelimit::pr_info_ratelimited,
        xarray::{
            RcuBox,
            Value,
            XArray, //
        },
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
            Cached,
            Key, //
        },
    },
};

/// A provider's row: its clients' ids to their encoded [`Cached`] values.
type Row = XArray<Value>;

/// Providers' ids to their rows.
static PROVIDERS: XArray<RcuBox<Row>> = XArray::new(c"p2pmem_vcache", static_lock_class!());

/// Bumped by every flush, under the lock of [`PROVIDERS`].
static GENERATION: Atomic<u32> = Atomic::new(0);

fn providers() -> Pin<&'static XArray<RcuBox<Row>>> {
    Pin::static_ref(&PROVIDERS)
}

/// An id as an index (ids have 48 bits, indices 64).
fn index(id: u64) -> Option<usize> {
    usize::try_from(id).ok()
}

/// The cached value under `k`, if any. Lock-free, any context.
fn lookup(k: Key) -> Option<u64> {
    let (p, c) = (index(k.provider)?, index(k.client)?);
    let rcu = rcu::read_lock();
    let row = providers().load(&rcu, p)?;
    let v = row.load(&rcu, c)?;
    u64::try_from(v.get()).ok()
}

/// Stores `value` under `k` unless the cache was flushed since `generation` was read. Any
/// context: a failed allocation only means the verdict is not cached.
fn store(k: Key, value: u64, generation: u32) {
    let gfp = GFP_ATOMIC | __GFP_NOWARN;
    let (Some(p), Some(c)) = (index(k.provider), index(k.client)) else {
        return;
    };
    let Some(value) = usize::try_from(value).ok().and_then(Value::new) else {
        return;
    };
    let mut top = providers().lock();
    if GENERATION.load(Relaxed) != generation {
        return;
    }
    if top.get(p).is_none() {
        let row = Row::new(c"p2pmem_vcache_row", static_lock_class!());
        let Ok(row) = RcuBox::new(row, gfp) else {
            return;
        };
        if top.store(p, row).is_err() {
            return;
        }
    }
    if let Some(row) = top.get(p) {
        // A failed store leaves the pair uncached.
        let _ = row.lock().store(c, value);
    }
}

/// The verdict for `client` using `provider`'s memory, from the cache or computed (and cached).
/// Any context.
pub(crate) fn cached(provider: &pci::Device, client: &pci::Device) -> Cached {
    let k = key(pci_addr(provider), pci_addr(client));
    if let Some(c) = lookup(k).and_then(Cached::decode) {
        return c;
    }
    refresh(provider, client)
}

/// What [`cached`] does on a miss: computes the verdict and caches it. Any context.
pub(crate) fn refresh(provider: &pci::Device, client: &pci::Device) -> Cached {
    let k = key(pci_addr(provider), pci_addr(client));
    let generation = generation();
    let v = fresh(provider, client);
    let c = Cached {
        map_type: v.map_type,
        distance: v.distance,
    };
    store(k, c.encode(), generation);
    c
}

/// What the cache holds for the pair, without computing anything.
pub(crate) fn peek(provider: PciAddr, client: PciAddr) -> Option<Cached> {
    lookup(key(provider, client)).and_then(Cached::decode)
}

/// Fills the cache for the pair with `v` if it holds nothing for it; `generation` was read
/// before `v` was computed.
pub(crate) fn fill(provider: PciAddr, client: PciAddr, v: &Verdict, generation: u32) {
    let k = key(provider, client);
    if lookup(k).is_none() {
        let c = Cached {
            map_type: v.map_type,
            distance: v.distance,
        };
        store(k, c.encode(), generation);
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

/// The generation to pass to [`fill`]: read it before reading the topology.
pub(crate) fn generation() -> u32 {
    GENERATION.load(Acquire)
}

/// Forgets every cached verdict and bumps the generation.
pub(crate) fn invalidate() {
    let mut top = providers().lock();
    GENERATION.fetch_add(1, Relaxed);
    // Lookups may still walk a row: each goes after a grace period.
    top.clear();
}

/// `/sys/class/p2pmem/host_bridge_allow` and the `host_bridge_allow=` parameter: applies the
/// changes ([`host_bridge::apply`]), then forgets every cached verdict, since verdicts through
/// host bridges may have changed.
pub(crate) fn host_bridge_allow_store(s: &str) -> Result {
    let r = host_bridge::apply(s);
    invalidate();
    r
}

/// `/sys/class/p2pmem/flush`: writing `1` forgets every cached verdict.
pub(crate) fn flush_store(s: &str) -> Result {
    if crate::policy::selection::kstrtobool(s.trim()) != Some(true) {
        pr_info_ratelimited!("flush: write 1 to forget the cached P2P verdicts\n");
        return Err(EINVAL);
    }
    invalidate();
    Ok(())
}

/// The cached pairs and their verdicts, in key order.
pub(crate) fn entries() -> impl Iterator<Item = (PciAddr, PciAddr, Cached)> {
    // The next (provider, client) to look at or after; `None` when done.
    let mut next = Some((0usize, 0usize));
    core::iter::from_fn(move || loop {
        let (from, mut client) = next?;
        let mut provider = from;
        let rcu = rcu::read_lock();
        let Some(row) = providers().find(&rcu, &mut provider) else {
            next = None;
            return None;
        };
        if provider != from {
            // A later provider than the one we were in: from its first client.
            client = 0;
        }
        if let Some(v) = row.find(&rcu, &mut client) {
            next = client.checked_add(1).map(|c| (provider, c));
            let k = Key {
                provider: u64::try_from(provider).ok()?,
                client: u64::try_from(client).ok()?,
            };
            let (p, c) = pair(k);
            match u64::try_from(v.get()).ok().and_then(Cached::decode) {
                Some(v) => return Some((p, c, v)),
                None => continue,
            }
        }
        // This provider has no more clients (or went away in a flush): the next one.
        next = provider.checked_add(1).map(|p| (p, 0));
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
        // Nothing can look up any more.
        invalidate();
        // The rows are freed by callbacks in this module's code: wait for them.
        rcu::rcu_barrier();
    }
}

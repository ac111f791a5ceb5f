// SPDX-License-Identifier: GPL-2.0

//! What the module keeps about all providers: the one registry of providers, by PCI function,
//! BAR and CPU range (no two ranges may overlap: mm WARNs and unwinds destructively on x86 when
//! they do, and user input must never get that far), which every lookup of a provider uses; and
//! the providers created by `wrap`.

use kernel::{
    pci,
    prelude::*, //
};

use crate::{
    ffi::{
        provider::ProviderRef,
        registry, //
    },
    policy::{
        pci_addr::PciAddr,
        provider_range::overlaps, //
    },
    provider::Provider,
};

/// One provider's CPU range, and the provider once its memory exists.
struct Claimed {
    start: u64,
    size: u64,
    owner: PciAddr,
    bar: u32,
    /// Set by [`RangeClaim::list`] until its [`Listed`] drops: what lookups find.
    provider: Option<ProviderRef>,
}

/// The providers: the CPU ranges of all live providers, in the order they were claimed.
///
/// # Invariants
///
/// The vector holds no allocation while it is empty, so none is left when the module goes.
pub(crate) struct Ranges(KVec<Claimed>);

impl Ranges {
    /// An empty set.
    pub(crate) const fn new() -> Self {
        Self(KVec::new())
    }
}

/// A range reserved for one provider, released when dropped.
pub(crate) struct RangeClaim {
    start: u64,
}

impl RangeClaim {
    /// Reserves `[start, start + size)` for BAR `bar` of `owner`; `EBUSY` (with one dmesg line)
    /// if a provider already covers part of it.
    pub(crate) fn new(start: u64, size: u64, owner: PciAddr, bar: u32) -> Result<Self> {
        let mut ranges = registry::ranges()?;
        if let Some(c) = ranges
            .0
            .iter()
            .find(|c| overlaps(c.start, c.size, start, size))
        {
            pr_err!(
                "{} BAR {}: range {:#x}+{:#x} overlaps the provider on {} BAR {}\n",
                owner,
                bar,
                start,
                size,
                c.owner,
                c.bar
            );
            return Err(EBUSY);
        }
        ranges.0.push(
            Claimed {
                start,
                size,
                owner,
                bar,
                provider: None,
            },
            GFP_KERNEL,
        )?;
        Ok(Self { start })
    }

    /// Makes `provider`, whose memory is this range, what lookups find, until the returned
    /// value is dropped.
    pub(crate) fn list(&self, provider: ProviderRef) -> Result<Listed> {
        let mut ranges = registry::ranges()?;
        let c = ranges
            .0
            .iter_mut()
            .find(|c| c.start == self.start)
            .ok_or(ENOENT)?;
        c.provider = Some(provider);
        Ok(Listed { start: self.start })
    }
}

/// A provider that lookups find; unlisted when dropped, before its memory is torn down.
pub(crate) struct Listed {
    start: u64,
}

impl Drop for Listed {
    fn drop(&mut self) {
        let taken = registry::ranges().ok().and_then(|mut ranges| {
            ranges
                .0
                .iter_mut()
                .find(|c| c.start == self.start)
                .and_then(|c| c.provider.take())
        });
        // Dropped outside the lock: the last reference releases the class device.
        drop(taken);
    }
}

/// The listed providers for which `pick` holds, referenced, in the order they were claimed.
fn listed(pick: impl Fn(&ProviderRef) -> bool) -> Result<KVec<ProviderRef>> {
    let ranges = registry::ranges()?;
    let mut found = KVec::new();
    for p in ranges.0.iter().filter_map(|c| c.provider.as_ref()) {
        if pick(p) {
            found.push(p.clone(), GFP_KERNEL)?;
        }
    }
    Ok(found)
}

/// Whether `p` is a provider of `pdev`'s memory.
fn is_of(p: &ProviderRef, pdev: &pci::Device) -> bool {
    core::ptr::eq(p.pci(), pdev)
}

/// The first provider of `pdev`'s memory (`p2pmem_provider_get()`), referenced. None in
/// benchmark-only mode, where no provider is handed out.
pub(crate) fn provider_of(pdev: &pci::Device) -> Option<ProviderRef> {
    if cfg!(CONFIG_PCI_P2PDMA) {
        return None;
    }
    let ranges = registry::ranges().ok()?;
    ranges
        .0
        .iter()
        .filter_map(|c| c.provider.as_ref())
        .find(|p| is_of(p, pdev))
        .cloned()
}

/// Offers `pdev`'s providers to consumers that look for any provider, or stops
/// (`p2pmem_publish()`).
pub(crate) fn publish(pdev: &pci::Device, publish: bool) {
    if let Ok(ranges) = registry::ranges() {
        for p in ranges.0.iter().filter_map(|c| c.provider.as_ref()) {
            if is_of(p, pdev) {
                p.view().publish(publish);
            }
        }
    }
}

/// The published providers now, referenced.
pub(crate) fn published() -> Result<KVec<ProviderRef>> {
    listed(|p| p.view().is_published())
}

/// Whether `pdev` has a published provider now. A snapshot.
pub(crate) fn published_on(pdev: &pci::Device) -> bool {
    registry::ranges().is_ok_and(|ranges| {
        ranges
            .0
            .iter()
            .filter_map(|c| c.provider.as_ref())
            .any(|p| is_of(p, pdev) && p.view().is_published())
    })
}

impl Drop for RangeClaim {
    fn drop(&mut self) {
        // Ranges are ready whenever a claim exists (it was made through them).
        let mut stale = None;
        if let Ok(mut ranges) = registry::ranges() {
            // Unlisted already, unless the provider was never torn down; then its reference
            // goes outside the lock.
            if let Some(c) = ranges.0.iter_mut().find(|c| c.start == self.start) {
                stale = c.provider.take();
            }
            ranges.0.retain(|c| c.start != self.start);
            if ranges.0.is_empty() {
                // Give the buffer back: the set lives in a static, which module exit never
                // drops, so a buffer still held then would leak.
                ranges.0 = KVec::new();
            }
        }
        drop(stale);
    }
}

/// A provider created by `wrap`.
pub(crate) struct Wrap {
    pub(crate) addr: PciAddr,
    pub(crate) bar: u8,
    pub(crate) provider: Provider,
}

/// The providers created by `wrap`, torn down by `unwrap` or at module exit.
pub(crate) struct Wraps(pub(crate) KVec<Wrap>);

impl Wraps {
    /// None.
    pub(crate) const fn new() -> Self {
        Self(KVec::new())
    }
}

/// Initialises the registry for the module's lifetime; dropping it tears down every wrap.
pub(crate) struct RegistryGuard {
    _private: (),
}

impl RegistryGuard {
    /// Initialises the registry.
    pub(crate) fn new() -> Self {
        registry::init();
        Self { _private: () }
    }
}

impl Drop for RegistryGuard {
    fn drop(&mut self) {
        // Dropped outside the lock: teardown waits for allocations to be freed.
        drop(registry::close());
    }
}

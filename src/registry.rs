// SPDX-License-Identifier: GPL-2.0

//! What the module keeps about all providers: their CPU ranges (no two may overlap: mm WARNs
//! and unwinds destructively on x86 when they do, and user input must never get that far) and
//! the providers created by `wrap`.

use kernel::prelude::*;

use crate::{
    ffi::registry,
    policy::{
        pci_addr::PciAddr,
        provider_range::overlaps, //
    },
    provider::Provider,
};

/// One provider's CPU range.
struct Claimed {
    start: u64,
    size: u64,
    owner: PciAddr,
    bar: u32,
}

/// The CPU ranges of all live providers.
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
            },
            GFP_KERNEL,
        )?;
        Ok(Self { start })
    }
}

impl Drop for RangeClaim {
    fn drop(&mut self) {
        // Ranges are ready whenever a claim exists (it was made through them).
        if let Ok(mut ranges) = registry::ranges() {
            ranges.0.retain(|c| c.start != self.start);
            if ranges.0.is_empty() {
                // Give the buffer back: the set lives in a static, which module exit never
                // drops, so a buffer still held then would leak.
                ranges.0 = KVec::new();
            }
        }
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

// SPDX-License-Identifier: GPL-2.0

//! Host bridges allowed at run time, on top of the built-in allowlist.
//!
//! Root adds entries with the `host_bridge_allow=` module parameter or by writing
//! `vvvv:dddd` (or `-vvvv:dddd` to remove one) to `/sys/class/p2pmem/host_bridge_allow`;
//! reading that file lists the runtime entries, then the built-in ones. The list is a fixed set
//! of atomic slots, so a verdict reads it without taking a lock; writers are serialised.

use core::fmt::{
    self,
    Write, //
};

use kernel::{
    prelude::*,
    sync::atomic::{
        Acquire,
        Atomic,
        AtomicFlag,
        Relaxed,
        Release, //
    },
};

use crate::{
    ffi::{
        pci,
        ratelimit::pr_info_ratelimited, //
    },
    policy::{
        host_bridge::{
            parse_changes,
            AllowChange,
            AllowEntry,
            HostBridgePolicy,
            BUILTIN_ALLOWLIST, //
        },
        topology::PciId,
    },
};

/// How many host bridges can be allowed at run time.
pub(crate) const MAX_RUNTIME: usize = 32;

/// The runtime entries as `vendor << 16 | device`; 0 is a free slot (0000:0000 is no device).
static RUNTIME: [Atomic<u32>; MAX_RUNTIME] = [const { Atomic::new(0) }; MAX_RUNTIME];

/// Held by the one writer at a time.
static WRITING: AtomicFlag = AtomicFlag::new(false);

fn encode(id: PciId) -> u32 {
    (u32::from(id.vendor) << 16) | u32::from(id.device)
}

fn decode(v: u32) -> PciId {
    // CAST: the two halves of a 32-bit value fit 16 bits each.
    PciId::new((v >> 16) as u16, v as u16)
}

/// The runtime entries now, in slot order.
pub(crate) struct Snapshot {
    entries: [AllowEntry; MAX_RUNTIME],
    len: usize,
}

impl Snapshot {
    /// Reads the slots.
    pub(crate) fn take() -> Self {
        let mut s = Self {
            entries: [AllowEntry::any(PciId::new(0, 0)); MAX_RUNTIME],
            len: 0,
        };
        for slot in &RUNTIME {
            let v = slot.load(Acquire);
            if v != 0 {
                s.entries[s.len] = AllowEntry::any(decode(v));
                s.len += 1;
            }
        }
        s
    }

    /// The entries.
    pub(crate) fn entries(&self) -> &[AllowEntry] {
        &self.entries[..self.len]
    }

    /// The host-bridge policy in force: these entries, the built-in list and the boot CPU.
    pub(crate) fn policy(&self) -> HostBridgePolicy<'_> {
        HostBridgePolicy {
            runtime: self.entries(),
            builtin: BUILTIN_ALLOWLIST,
            cpu: pci::boot_cpu(),
        }
    }
}

fn contains(id: PciId) -> bool {
    RUNTIME.iter().any(|s| s.load(Relaxed) == encode(id))
}

/// Applies `vvvv:dddd` / `-vvvv:dddd` changes (comma or white space separated): all of them,
/// or none when one is malformed (`EINVAL`), removes an absent entry (`ENOENT`) or does not fit
/// (`ENOSPC`). Another writer at the same moment gets `EBUSY`. Verdicts through host bridges
/// may change: `verdict_cache::host_bridge_allow_store` applies changes and flushes the cache.
pub(crate) fn apply(s: &str) -> Result {
    if WRITING.cmpxchg(false, true, Acquire).is_err() {
        return Err(EBUSY);
    }
    let r = apply_locked(s);
    WRITING.store(false, Release);
    r
}

fn apply_locked(s: &str) -> Result {
    // Validate everything first.
    let mut adds = 0usize;
    for change in parse_changes(s) {
        match change {
            Err(word) => {
                pr_info_ratelimited!(
                    "host_bridge_allow: '{}' is not vvvv:dddd or -vvvv:dddd\n",
                    word
                );
                return Err(EINVAL);
            }
            Ok(AllowChange::Add(id)) if id == PciId::new(0, 0) => {
                pr_info_ratelimited!("host_bridge_allow: 0000:0000 is not a device\n");
                return Err(EINVAL);
            }
            Ok(AllowChange::Add(id)) => adds += usize::from(!contains(id)),
            Ok(AllowChange::Remove(id)) if !contains(id) => {
                pr_info_ratelimited!("host_bridge_allow: {} is not in the runtime list\n", id);
                return Err(ENOENT);
            }
            Ok(AllowChange::Remove(_)) => adds = adds.saturating_sub(1),
        }
    }
    let free = RUNTIME.iter().filter(|s| s.load(Relaxed) == 0).count();
    if adds > free {
        pr_info_ratelimited!(
            "host_bridge_allow: no room for {} more entries ({} free)\n",
            adds,
            free
        );
        return Err(ENOSPC);
    }
    // Removals first, so that their slots can take the additions.
    for change in parse_changes(s).flatten() {
        if let AllowChange::Remove(id) = change {
            for slot in &RUNTIME {
                // A failed exchange means the slot holds another entry: nothing to do.
                let _ = slot.cmpxchg(encode(id), 0, Release);
            }
            pr_info!("host bridge {} no longer allowed at run time\n", id);
        }
    }
    for change in parse_changes(s).flatten() {
        if let AllowChange::Add(id) = change {
            if contains(id) {
                continue;
            }
            // The count above reserved a free slot and writers are serialised.
            if let Some(slot) = RUNTIME.iter().find(|s| s.load(Relaxed) == 0) {
                slot.store(encode(id), Release);
                pr_info!("host bridge {} allowed for P2P at run time\n", id);
            }
        }
    }
    Ok(())
}

/// Writes the list: runtime entries as `vvvv:dddd`, then the built-in ones as
/// `vvvv:dddd builtin` (`vvvv:*` for any device, ` same-host-bridge` when restricted).
pub(crate) fn show(w: &mut impl Write) -> fmt::Result {
    for e in Snapshot::take().entries() {
        if let Some(d) = e.device {
            writeln!(w, "{}", PciId::new(e.vendor, d))?;
        }
    }
    for e in BUILTIN_ALLOWLIST {
        match e.device {
            Some(d) => write!(w, "{} builtin", PciId::new(e.vendor, d))?,
            None => write!(w, "{:04x}:* builtin", e.vendor)?,
        }
        if e.same_host_bridge_only {
            w.write_str(" same-host-bridge")?;
        }
        w.write_str("\n")?;
    }
    Ok(())
}

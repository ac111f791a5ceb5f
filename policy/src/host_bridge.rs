// SPDX-License-Identifier: GPL-2.0

//! Which host bridges may route peer-to-peer traffic: the in-tree allowlist as data, runtime
//! additions, and the AMD Zen rule.

use super::topology::{
    HostBridge,
    PciFunction,
    PciId, //
};

/// One host bridge allowlist entry (`pci_p2pdma_whitelist[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowEntry {
    /// Vendor ID of the host bridge device.
    pub vendor: u16,
    /// Device ID, or `None` for any device of the vendor.
    pub device: Option<u16>,
    /// P2P is allowed only between devices below the same host bridge.
    pub same_host_bridge_only: bool,
}

impl AllowEntry {
    /// An entry allowing P2P within and across host bridges with this exact ID.
    pub const fn any(id: PciId) -> Self {
        Self {
            vendor: id.vendor,
            device: Some(id.device),
            same_host_bridge_only: false,
        }
    }

    const fn intel(device: u16, same_host_bridge_only: bool) -> Self {
        Self {
            vendor: 0x8086,
            device: Some(device),
            same_host_bridge_only,
        }
    }

    /// Whether the entry applies to a host bridge device with this ID.
    pub const fn matches(&self, id: PciId) -> bool {
        self.vendor == id.vendor
            && match self.device {
                Some(d) => d == id.device,
                None => true,
            }
    }
}

/// The in-tree allowlist of Linux 7.3 (`drivers/pci/p2pdma.c`), in its order.
pub const BUILTIN_ALLOWLIST: &[AllowEntry] = &[
    // Intel Xeon E5/Core i7
    AllowEntry::intel(0x3c00, true),
    AllowEntry::intel(0x3c01, true),
    // Intel Xeon E7 v3/Xeon E5 v3/Core i7
    AllowEntry::intel(0x2f00, true),
    AllowEntry::intel(0x2f01, true),
    // Intel Skylake-E
    AllowEntry::intel(0x2030, false),
    AllowEntry::intel(0x2031, false),
    AllowEntry::intel(0x2032, false),
    AllowEntry::intel(0x2033, false),
    AllowEntry::intel(0x2020, false),
    // Intel Ice Lake-SP
    AllowEntry::intel(0x09a2, false),
    // Intel DSA/IAX (SPR, GNR-D, DMR)
    AllowEntry::intel(0x0b25, false),
    AllowEntry::intel(0x0cfe, false),
    AllowEntry::intel(0x11fb, false),
    AllowEntry::intel(0x1212, false),
    AllowEntry::intel(0x1216, false),
    // Intel QAT 4xxx, 401xx, 402xx, 420xx, 6xxx
    AllowEntry::intel(0x4940, false),
    AllowEntry::intel(0x4942, false),
    AllowEntry::intel(0x4944, false),
    AllowEntry::intel(0x4946, false),
    AllowEntry::intel(0x4948, false),
    // Google SoCs
    AllowEntry {
        vendor: 0x1ae0,
        device: None,
        same_host_bridge_only: false,
    },
    // NVIDIA CPUs
    AllowEntry {
        vendor: 0x10de,
        device: Some(0x2f95),
        same_host_bridge_only: false,
    },
    AllowEntry {
        vendor: 0x10de,
        device: Some(0x2f96),
        same_host_bridge_only: false,
    },
    AllowEntry {
        vendor: 0x10de,
        device: Some(0x2f97),
        same_host_bridge_only: false,
    },
    AllowEntry {
        vendor: 0x10de,
        device: Some(0x2f98),
        same_host_bridge_only: false,
    },
];

/// The CPU vendor, as far as the host-bridge rule cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuVendor {
    /// AMD (AuthenticAMD).
    Amd,
    /// Anyone else.
    Other,
}

/// The boot CPU: P2P through an AMD Zen (family 0x17) or newer host bridge is always allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// Vendor.
    pub vendor: CpuVendor,
    /// Family (`cpuinfo_x86::x86`, "cpu family" in /proc/cpuinfo).
    pub family: u32,
}

impl Cpu {
    /// `cpu_supports_p2pdma()`: any AMD CPU of family Zen (0x17) or newer.
    pub const fn supports_p2p(&self) -> bool {
        matches!(self.vendor, CpuVendor::Amd) && self.family >= 0x17
    }
}

/// Everything the host-bridge decision depends on.
#[derive(Clone, Copy, Debug)]
pub struct HostBridgePolicy<'a> {
    /// Entries added at run time (module parameter, sysfs); consulted first, so they can lift a
    /// built-in same-host-bridge-only restriction.
    pub runtime: &'a [AllowEntry],
    /// The built-in list, normally [`BUILTIN_ALLOWLIST`].
    pub builtin: &'a [AllowEntry],
    /// The boot CPU.
    pub cpu: Cpu,
}

/// Why traffic through the host bridge(s) is or is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostBridgeDecision {
    /// The CPU is AMD Zen or newer (`cpu_supports_p2pdma()`).
    AllowedByCpu(Cpu),
    /// Both devices are below one host bridge whose device is allowed.
    AllowedSame(PciId),
    /// The devices are below two host bridges, both allowed across bridges.
    AllowedBoth(PciId, PciId),
    /// The root bus has no device that identifies its host bridge.
    Unidentified(HostBridge),
    /// This host bridge is not allowed.
    NotAllowed(PciId),
    /// This host bridge is allowed only for P2P within itself, and the devices are below two.
    SameBridgeOnly(PciId),
}

impl HostBridgeDecision {
    /// Whether P2P through the host bridge(s) is allowed.
    pub const fn allowed(&self) -> bool {
        matches!(
            self,
            Self::AllowedByCpu(_) | Self::AllowedSame(_) | Self::AllowedBoth(..)
        )
    }

    /// A stable name of the decision, for programs (`host_bridge=` in the query file, the
    /// CLI's JSON).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::AllowedByCpu(_) => "allowed_by_cpu",
            Self::AllowedSame(_) => "allowed",
            Self::AllowedBoth(..) => "allowed_both",
            Self::Unidentified(_) => "unidentified",
            Self::NotAllowed(_) => "not_allowed",
            Self::SameBridgeOnly(_) => "same_bridge_only",
        }
    }
}

impl HostBridgePolicy<'_> {
    /// The first entry matching `id`, runtime entries first.
    fn entry(&self, id: PciId) -> Option<&AllowEntry> {
        self.runtime
            .iter()
            .chain(self.builtin.iter())
            .find(|e| e.matches(id))
    }

    /// `__host_bridge_whitelist()` for one host bridge.
    fn check_one(&self, hb: HostBridge, same: bool) -> Result<PciId, HostBridgeDecision> {
        let id = hb.device.ok_or(HostBridgeDecision::Unidentified(hb))?;
        match self.entry(id) {
            None => Err(HostBridgeDecision::NotAllowed(id)),
            Some(e) if e.same_host_bridge_only && !same => {
                Err(HostBridgeDecision::SameBridgeOnly(id))
            }
            Some(_) => Ok(id),
        }
    }

    /// Whether functions `a` and `b` may exchange P2P traffic through their host bridges
    /// ([`HostBridgePolicy::decide`] with [`PciFunction::same_host_bridge`]).
    pub fn decide_for<F: PciFunction>(&self, a: &F, b: &F) -> HostBridgeDecision {
        self.decide(a.host_bridge(), b.host_bridge(), a.same_host_bridge(b))
    }

    /// Whether devices below host bridges `a` and `b`, which are one host bridge when `same`,
    /// may exchange P2P traffic through them (`cpu_supports_p2pdma() ||
    /// host_bridge_whitelist()`).
    pub fn decide(&self, a: HostBridge, b: HostBridge, same: bool) -> HostBridgeDecision {
        if self.cpu.supports_p2p() {
            return HostBridgeDecision::AllowedByCpu(self.cpu);
        }
        if same {
            return match self.check_one(a, true) {
                Ok(id) => HostBridgeDecision::AllowedSame(id),
                Err(d) => d,
            };
        }
        match (self.check_one(a, false), self.check_one(b, false)) {
            (Ok(x), Ok(y)) => HostBridgeDecision::AllowedBoth(x, y),
            (Err(d), _) | (_, Err(d)) => d,
        }
    }
}

/// One change to the runtime allowlist, as written to `host_bridge_allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowChange {
    /// `vvvv:dddd`: allow this host bridge.
    Add(PciId),
    /// `-vvvv:dddd`: stop allowing it.
    Remove(PciId),
}

/// Parses a list of changes separated by commas or white space (`8086:29c0,-1b36:000c`). On
/// error, returns the offending word.
pub fn parse_changes(s: &str) -> impl Iterator<Item = Result<AllowChange, &str>> + Clone + '_ {
    s.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| match w.strip_prefix('-') {
            Some(id) => PciId::parse(id).map(AllowChange::Remove).ok_or(w),
            None => PciId::parse(w).map(AllowChange::Add).ok_or(w),
        })
}

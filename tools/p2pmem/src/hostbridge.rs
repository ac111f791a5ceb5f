// SPDX-License-Identifier: GPL-2.0

//! What the host-bridge decision depends on, as userspace sees it: the runtime allowlist
//! (`/sys/class/p2pmem/host_bridge_allow`, whose format `src/host_bridge.rs` writes) and the
//! boot CPU from `/proc/cpuinfo`.

use anyhow::{
    anyhow,
    Context,
    Result, //
};
use p2pmem_policy::{
    host_bridge::{
        AllowEntry,
        Cpu,
        CpuVendor,
        HostBridgePolicy,
        BUILTIN_ALLOWLIST, //
    },
    topology::PciId,
};
use serde::Serialize;

use crate::sysfs::{
    self,
    Roots, //
};

/// One line of `host_bridge_allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The entry.
    pub entry: AllowEntry,
    /// From the built-in list (else added at run time).
    pub builtin: bool,
}

impl Listed {
    /// The entry as the file and the JSON output print it: `vvvv:dddd`, or `vvvv:*` for any
    /// device of a vendor.
    pub fn id_text(&self) -> String {
        match self.entry.device {
            Some(d) => PciId::new(self.entry.vendor, d).to_string(),
            None => format!("{:04x}:*", self.entry.vendor),
        }
    }
}

/// One entry in JSON.
#[derive(Clone, Debug, Serialize)]
pub struct ListedJson {
    /// `vvvv:dddd` or `vvvv:*`.
    pub id: String,
    /// From the built-in list.
    pub builtin: bool,
    /// Allowed only for P2P below one host bridge.
    pub same_host_bridge_only: bool,
}

impl From<&Listed> for ListedJson {
    fn from(l: &Listed) -> Self {
        Self {
            id: l.id_text(),
            builtin: l.builtin,
            same_host_bridge_only: l.entry.same_host_bridge_only,
        }
    }
}

/// Parses the listing of `host_bridge_allow`: `vvvv:dddd` (runtime), `vvvv:dddd builtin`,
/// `vvvv:* builtin`, either followed by ` same-host-bridge`.
pub fn parse_allow_list(text: &str) -> Result<Vec<Listed>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || anyhow!("unexpected line {line:?}");
        let mut words = line.split_ascii_whitespace();
        let id = words.next().ok_or_else(bad)?;
        let (vendor, device) = match id.strip_suffix(":*") {
            Some(v) => {
                let id = PciId::parse(&format!("{v}:0")).ok_or_else(bad)?;
                (id.vendor, None)
            }
            None => {
                let id = PciId::parse(id).ok_or_else(bad)?;
                (id.vendor, Some(id.device))
            }
        };
        let mut builtin = false;
        let mut same = false;
        for w in words {
            match w {
                "builtin" => builtin = true,
                "same-host-bridge" => same = true,
                _ => return Err(bad()),
            }
        }
        out.push(Listed {
            entry: AllowEntry {
                vendor,
                device,
                same_host_bridge_only: same,
            },
            builtin,
        });
    }
    Ok(out)
}

/// The built-in list as the module would list it.
pub fn builtin_listing() -> Vec<Listed> {
    BUILTIN_ALLOWLIST
        .iter()
        .map(|e| Listed {
            entry: *e,
            builtin: true,
        })
        .collect()
}

/// The boot CPU from `/proc/cpuinfo`: `vendor_id` and `cpu family` of the first processor.
/// Without them (not x86) it is no AMD CPU, as in the module.
pub fn parse_cpuinfo(text: &str) -> Cpu {
    let mut vendor = None;
    let mut family = None;
    for line in text.lines() {
        if line.trim().is_empty() && vendor.is_some() {
            break; // the end of the first processor's block
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k.trim() {
            "vendor_id" if vendor.is_none() => vendor = Some(v.trim().to_string()),
            "cpu family" if family.is_none() => family = v.trim().parse::<u32>().ok(),
            _ => {}
        }
    }
    match vendor.as_deref() {
        Some("AuthenticAMD") => Cpu {
            vendor: CpuVendor::Amd,
            family: family.unwrap_or(0),
        },
        Some(_) => Cpu {
            vendor: CpuVendor::Other,
            family: family.unwrap_or(0),
        },
        None => Cpu {
            vendor: CpuVendor::Other,
            family: 0,
        },
    }
}

/// Everything the host-bridge decision needs, read from the system.
#[derive(Clone, Debug)]
pub struct HostPolicy {
    /// Runtime allowlist entries (empty when the module is not loaded).
    pub runtime: Vec<AllowEntry>,
    /// The boot CPU.
    pub cpu: Cpu,
}

impl HostPolicy {
    /// Reads the runtime allowlist, when the module is loaded, and the CPU.
    pub fn load(roots: &Roots) -> Result<Self> {
        let path = roots.class_file("host_bridge_allow");
        let runtime = match sysfs::read_optional(&path)? {
            Some(text) => parse_allow_list(&text)
                .with_context(|| path.display().to_string())?
                .into_iter()
                .filter(|l| !l.builtin)
                .map(|l| l.entry)
                .collect(),
            None => Vec::new(),
        };
        let cpuinfo = roots.cpuinfo();
        let text = sysfs::read_optional(&cpuinfo)?
            .ok_or_else(|| anyhow!("{}: not found (is procfs mounted?)", cpuinfo.display()))?;
        Ok(Self {
            runtime,
            cpu: parse_cpuinfo(&text),
        })
    }

    /// The policy in force: runtime entries, the built-in list and the CPU.
    pub fn policy(&self) -> HostBridgePolicy<'_> {
        HostBridgePolicy {
            runtime: &self.runtime,
            builtin: BUILTIN_ALLOWLIST,
            cpu: self.cpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_lines() {
        let text = "8086:29c0\n1b36:000c\n8086:3c00 builtin same-host-bridge\n\
                    8086:2030 builtin\n1ae0:* builtin\n";
        let l = parse_allow_list(text).unwrap();
        assert_eq!(l.len(), 5);
        assert_eq!(l[0].entry, AllowEntry::any(PciId::new(0x8086, 0x29c0)));
        assert!(!l[0].builtin && !l[1].builtin);
        assert!(l[2].builtin && l[2].entry.same_host_bridge_only);
        assert_eq!(l[4].entry.device, None);
        assert_eq!(l[4].id_text(), "1ae0:*");
        assert_eq!(l[2].id_text(), "8086:3c00");
        assert!(parse_allow_list("8086:29c0 frobnicated\n").is_err());
        assert!(parse_allow_list("nonsense\n").is_err());
        assert!(parse_allow_list("").unwrap().is_empty());
    }

    #[test]
    fn the_module_listing_of_the_builtin_list_parses_back() {
        // As src/host_bridge.rs show() writes it.
        let mut text = String::new();
        for e in BUILTIN_ALLOWLIST {
            match e.device {
                Some(d) => text += &format!("{} builtin", PciId::new(e.vendor, d)),
                None => text += &format!("{:04x}:* builtin", e.vendor),
            }
            if e.same_host_bridge_only {
                text += " same-host-bridge";
            }
            text += "\n";
        }
        assert_eq!(parse_allow_list(&text).unwrap(), builtin_listing());
    }

    #[test]
    fn cpus() {
        let epyc = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 49\n\n\
                    processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n";
        let cpu = parse_cpuinfo(epyc);
        assert_eq!(
            cpu,
            Cpu {
                vendor: CpuVendor::Amd,
                family: 23
            }
        );
        assert!(cpu.supports_p2p());
        let intel = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n";
        assert_eq!(parse_cpuinfo(intel).vendor, CpuVendor::Other);
        let qemu64 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 15\n";
        assert!(!parse_cpuinfo(qemu64).supports_p2p());
        let hygon = "vendor_id\t: HygonGenuine\ncpu family\t: 24\n";
        assert!(!parse_cpuinfo(hygon).supports_p2p());
        let arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n";
        assert_eq!(
            parse_cpuinfo(arm),
            Cpu {
                vendor: CpuVendor::Other,
                family: 0
            }
        );
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The BARs of a PCI function as sysfs shows them (`resource`: one `START END FLAGS` line per
//! resource, BARs 0 to 5 first, flags as the kernel's `IORESOURCE_*`), and the iomem resource
//! tree (`/proc/iomem`), which says whether a BAR was claimed and who requested parts of it.

use std::path::Path;

use anyhow::{
    anyhow,
    Result, //
};

use crate::sysfs;

/// `IORESOURCE_MEM`: a memory BAR.
pub const IORESOURCE_MEM: u64 = 0x0000_0200;
/// `IORESOURCE_PREFETCH`.
pub const IORESOURCE_PREFETCH: u64 = 0x0000_2000;
/// `IORESOURCE_MEM_64`: a 64-bit BAR (it takes the next BAR's slot too).
pub const IORESOURCE_MEM_64: u64 = 0x0010_0000;
/// `IORESOURCE_DISABLED`.
pub const IORESOURCE_DISABLED: u64 = 0x1000_0000;
/// `IORESOURCE_UNSET`: no address assigned.
pub const IORESOURCE_UNSET: u64 = 0x2000_0000;

/// One resource line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource {
    /// CPU physical start (as `pci_resource_to_user()` gives it; the same on x86 and arm64).
    pub start: u64,
    /// Last byte.
    pub end: u64,
    /// `IORESOURCE_*`.
    pub flags: u64,
}

impl Resource {
    /// Length in bytes; 0 for an unimplemented BAR.
    pub fn len(&self) -> u64 {
        if self.end == 0 && self.start == 0 {
            return 0;
        }
        self.end.wrapping_sub(self.start).wrapping_add(1)
    }

    /// Whether it is a memory BAR.
    pub fn is_memory(&self) -> bool {
        self.flags & IORESOURCE_MEM != 0 && self.len() != 0
    }
}

/// Parses a `resource` file.
pub fn parse_resources(text: &str) -> Result<Vec<Resource>> {
    text.lines()
        .map(|line| {
            let bad = || anyhow!("unexpected line {line:?}");
            let num = |s: &str| {
                s.strip_prefix("0x")
                    .and_then(|h| u64::from_str_radix(h, 16).ok())
                    .ok_or_else(bad)
            };
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            let [start, end, flags] = f[..] else {
                return Err(bad());
            };
            Ok(Resource {
                start: num(start)?,
                end: num(end)?,
                flags: num(flags)?,
            })
        })
        .collect()
}

/// BARs 0 to 5 of the function whose sysfs directory is `dev_dir` (fewer if the file has
/// fewer lines); `None` without a `resource` file.
pub fn read_bars(dev_dir: &Path) -> Result<Option<Vec<Resource>>> {
    let path = dev_dir.join("resource");
    let Some(text) = sysfs::read_optional(&path)? else {
        return Ok(None);
    };
    let mut r = parse_resources(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    r.truncate(6);
    Ok(Some(r))
}

/// One entry of the iomem tree.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    depth: usize,
    start: u64,
    end: u64,
    name: String,
}

/// `/proc/iomem`. Users other than root read every address as 0, so nothing can be told then.
#[derive(Clone, Debug, Default)]
pub struct Iomem {
    entries: Vec<Entry>,
    /// The addresses are real (root read the file).
    known: bool,
}

/// Where a BAR stands in the iomem tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The BAR is in the tree (claimed by the PCI core).
    pub in_tree: bool,
    /// The names of the ranges requested inside it (a driver's, `p2pmem` for a provider's).
    pub requested_by: Vec<String>,
}

impl Iomem {
    /// Parses the file: `START-END : NAME` lines, indented two spaces per level.
    pub fn parse(text: &str) -> Self {
        let entries: Vec<Entry> = text
            .lines()
            .filter_map(|line| {
                let body = line.trim_start_matches(' ');
                let depth = (line.len() - body.len()) / 2;
                let (range, name) = body.split_once(" : ")?;
                let (s, e) = range.split_once('-')?;
                Some(Entry {
                    depth,
                    start: u64::from_str_radix(s, 16).ok()?,
                    end: u64::from_str_radix(e, 16).ok()?,
                    name: name.to_string(),
                })
            })
            .collect();
        let known = entries.iter().any(|e| e.end != 0);
        Self { entries, known }
    }

    /// Reads `iomem` in procfs at `proc`; no file reads as nothing known.
    pub fn load(proc: &Path) -> Result<Self> {
        Ok(sysfs::read_optional(&proc.join("iomem"))?
            .map(|t| Self::parse(&t))
            .unwrap_or_default())
    }

    /// Whether the addresses could be read.
    pub fn known(&self) -> bool {
        self.known
    }

    /// The entry of BAR `r` of function `name` (`DDDD:BB:DD.F`), and what is requested inside
    /// it; `None` when the addresses are hidden.
    pub fn claim(&self, name: &str, r: &Resource) -> Option<Claim> {
        if !self.known {
            return None;
        }
        let Some(i) = self
            .entries
            .iter()
            .position(|e| e.name == name && e.start == r.start && e.end == r.end)
        else {
            return Some(Claim {
                in_tree: false,
                requested_by: Vec::new(),
            });
        };
        let depth = self.entries[i].depth;
        let mut requested_by: Vec<String> = Vec::new();
        for e in self.entries[i + 1..].iter().take_while(|e| e.depth > depth) {
            if e.depth == depth + 1 && !requested_by.contains(&e.name) {
                requested_by.push(e.name.clone());
            }
        }
        Some(Claim {
            in_tree: true,
            requested_by,
        })
    }
}

/// The kernel's lockdown mode (`/sys/kernel/security/lockdown` reads `none [integrity]
/// confidentiality`, the bracketed word being the mode); `None` when it cannot be read.
pub fn lockdown(sys: &Path) -> Option<String> {
    let text = std::fs::read_to_string(sys.join("kernel/security/lockdown")).ok()?;
    let start = text.find('[')? + 1;
    let end = start + text[start..].find(']')?;
    Some(text[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_lines() {
        let r = parse_resources(
            "0x00000000fe000000 0x00000000fe003fff 0x0000000000140204\n\
             0x0000000000000000 0x0000000000000000 0x0000000000000000\n\
             0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
        )
        .unwrap();
        assert_eq!(r[0].len(), 0x4000);
        assert!(r[0].is_memory());
        assert_eq!(r[0].flags & IORESOURCE_MEM_64, IORESOURCE_MEM_64);
        assert_eq!(r[1].len(), 0);
        assert!(!r[1].is_memory());
        // An I/O BAR is not a memory BAR.
        let io =
            parse_resources("0x000000000000c000 0x000000000000c03f 0x0000000000040101\n").unwrap();
        assert!(!io[0].is_memory());
        assert!(parse_resources("0x0 0x1\n").is_err());
        assert!(parse_resources("fe000000 fe003fff 200\n").is_err());
    }

    const IOMEM: &str = "\
00000000-00000fff : Reserved
c0000000-febfffff : PCI Bus 0000:00
  fe000000-fe003fff : 0000:03:00.0
    fe000000-fe003fff : nvme
  fe200000-fe3fffff : 0000:03:00.0
    fe200000-fe2fffff : p2pmem
      fe200000-fe2fffff : inner
    fe300000-fe3fffff : p2pmem
  fe400000-fe5fffff : 0000:05:00.0
";

    #[test]
    fn claims() {
        let m = Iomem::parse(IOMEM);
        assert!(m.known());
        let bar = |start, end| Resource {
            start,
            end,
            flags: IORESOURCE_MEM,
        };
        assert_eq!(
            m.claim("0000:03:00.0", &bar(0xfe00_0000, 0xfe00_3fff)),
            Some(Claim {
                in_tree: true,
                requested_by: vec!["nvme".into()]
            })
        );
        assert_eq!(
            m.claim("0000:03:00.0", &bar(0xfe20_0000, 0xfe3f_ffff)),
            Some(Claim {
                in_tree: true,
                requested_by: vec!["p2pmem".into()]
            })
        );
        assert_eq!(
            m.claim("0000:05:00.0", &bar(0xfe40_0000, 0xfe5f_ffff)),
            Some(Claim {
                in_tree: true,
                requested_by: vec![]
            })
        );
        // Another function's range, or not in the tree.
        assert_eq!(
            m.claim("0000:04:00.0", &bar(0xfe40_0000, 0xfe5f_ffff)),
            Some(Claim {
                in_tree: false,
                requested_by: vec![]
            })
        );
        // As a user sees it.
        let hidden = Iomem::parse(
            "00000000-00000000 : PCI Bus 0000:00\n  00000000-00000000 : 0000:03:00.0\n",
        );
        assert!(!hidden.known());
        assert_eq!(
            hidden.claim("0000:03:00.0", &bar(0xfe00_0000, 0xfe00_3fff)),
            None
        );
    }

    #[test]
    fn lockdown_modes() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(lockdown(dir.path()), None);
        std::fs::create_dir_all(dir.path().join("kernel/security")).unwrap();
        std::fs::write(
            dir.path().join("kernel/security/lockdown"),
            "none [integrity] confidentiality\n",
        )
        .unwrap();
        assert_eq!(lockdown(dir.path()).as_deref(), Some("integrity"));
    }
}

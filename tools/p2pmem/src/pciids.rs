// SPDX-License-Identifier: GPL-2.0

//! Vendor and device names from the PCI ID database (`pci.ids`, as lspci reads it): lines
//! `vvvv  Vendor name`, then `\tdddd  Device name` for its devices (subsystem lines, with two
//! tabs, and the device class list at the end are skipped).

use std::{
    collections::BTreeMap,
    fs, io,
    path::{
        Path,
        PathBuf, //
    },
};

use p2pmem_policy::topology::PciId;

use crate::{
    output::Out,
    sysfs::errno_text, //
};

/// Where distributions put the database, in the order lspci looks.
pub const DEFAULT_PATHS: [&str; 2] = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"];

/// One vendor's name and its devices' names.
#[derive(Clone, Debug, Default)]
struct Vendor {
    name: String,
    devices: BTreeMap<u16, String>,
}

/// The names of the database; empty when there is none.
#[derive(Clone, Debug, Default)]
pub struct PciIds {
    vendors: BTreeMap<u16, Vendor>,
}

/// `hhhh  Name` (one or more blanks after the ID).
fn id_line(line: &str) -> Option<(u16, &str)> {
    let id = line.get(..4)?;
    let rest = line.get(4..)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let id = u16::from_str_radix(id, 16).ok()?;
    Some((id, rest.trim()))
}

impl PciIds {
    /// Parses the text of a `pci.ids` file. Lines it does not understand are skipped.
    pub fn parse(text: &str) -> Self {
        let mut vendors: BTreeMap<u16, Vendor> = BTreeMap::new();
        let mut current: Option<u16> = None;
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') || line.starts_with("\t\t") {
                continue;
            }
            if let Some(dev) = line.strip_prefix('\t') {
                if let (Some(v), Some((id, name))) = (current, id_line(dev)) {
                    if let Some(vendor) = vendors.get_mut(&v) {
                        vendor.devices.insert(id, name.to_string());
                    }
                }
                continue;
            }
            // The device classes ("C 01  Mass storage controller") come last.
            if line.starts_with("C ") {
                break;
            }
            current = id_line(line).map(|(id, name)| {
                vendors.entry(id).or_default().name = name.to_string();
                id
            });
        }
        Self { vendors }
    }

    /// Reads the database at `path`, or at the first of [`DEFAULT_PATHS`] that exists. No
    /// file at the default paths gives no names; a `path` that cannot be read gives none and a
    /// note.
    pub fn load(path: Option<&Path>, out: &mut Out<'_>) -> Self {
        let candidates: Vec<PathBuf> = match path {
            Some(p) => vec![p.to_path_buf()],
            None => DEFAULT_PATHS.iter().map(PathBuf::from).collect(),
        };
        for p in &candidates {
            match fs::read(p) {
                // Old files are Latin-1 here and there: lossy is good enough for names.
                Ok(bytes) => return Self::parse(&String::from_utf8_lossy(&bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound && path.is_none() => {}
                Err(e) => {
                    out.note(format!(
                        "{}: {}; showing IDs without names",
                        p.display(),
                        errno_text(&e)
                    ));
                    break;
                }
            }
        }
        Self::default()
    }

    /// The vendor's name.
    pub fn vendor(&self, vendor: u16) -> Option<&str> {
        self.vendors.get(&vendor).map(|v| v.name.as_str())
    }

    /// The device's name (without the vendor's).
    pub fn device(&self, id: PciId) -> Option<&str> {
        self.vendors
            .get(&id.vendor)
            .and_then(|v| v.devices.get(&id.device))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# List of PCI ID's
#
1af4  Red Hat, Inc.
\t1110  Inter-VM shared memory
\t\t1af4 1100  QEMU Virtual Machine
1b36  Red Hat, Inc.
\t000c  QEMU PCIe Root port
\t0010  QEMU NVM Express Controller
8086  Intel Corporation
\t29c0  82G33/G31/P35/P31 Express DRAM Controller
bad line
\tffff  a device of no vendor
# List of known device classes, subclasses and programming interfaces
C 01  Mass storage controller
\t08  Non-Volatile memory controller
";

    #[test]
    fn names() {
        let ids = PciIds::parse(SAMPLE);
        assert_eq!(ids.vendor(0x1b36), Some("Red Hat, Inc."));
        assert_eq!(
            ids.device(PciId::new(0x1b36, 0x0010)),
            Some("QEMU NVM Express Controller")
        );
        assert_eq!(
            ids.device(PciId::new(0x8086, 0x29c0)),
            Some("82G33/G31/P35/P31 Express DRAM Controller")
        );
        assert_eq!(ids.device(PciId::new(0x1b36, 0x0011)), None);
        assert_eq!(ids.vendor(0x1234), None);
        // Subsystem lines and the class list are not devices.
        assert_eq!(ids.device(PciId::new(0x1af4, 0x1af4)), None);
        assert_eq!(ids.vendor(0x0001), None);
        assert_eq!(ids.device(PciId::new(0x8086, 0xffff)), None);
    }
}

// SPDX-License-Identifier: GPL-2.0

//! PCI configuration space: the IDs, the PCI Express capability (port type) and the ACS
//! extended capability, found the way the kernel finds them (`pci_find_capability()`,
//! `pci_find_ext_capability()`).

use p2pmem_policy::topology::{
    Acs,
    PciId, //
};

use crate::sysfs::ConfigRead;

/// Size of conventional config space; a read shorter than this is a non-root read.
pub const CFG_SPACE_SIZE: usize = 256;
/// Size of PCI Express extended config space.
pub const CFG_SPACE_EXP_SIZE: usize = 4096;

const PCI_STATUS: usize = 0x06;
const PCI_STATUS_CAP_LIST: u16 = 0x10;
const PCI_CLASS_CODE: usize = 0x0b;
const PCI_HEADER_TYPE: usize = 0x0e;
const PCI_CAPABILITY_LIST: usize = 0x34;
const PCI_CB_CAPABILITY_LIST: usize = 0x14;
const PCI_CAP_ID_EXP: u8 = 0x10;
const PCI_EXP_FLAGS: usize = 2;
const PCI_EXT_CAP_ID_ACS: u16 = 0x000d;
const PCI_ACS_CAP: usize = 4;
const PCI_ACS_CTRL: usize = 6;
/// `PCI_FIND_CAP_TTL`: at most this many capabilities are followed.
const FIND_CAP_TTL: usize = 48;

/// The config space could not be read in full, so what lies beyond the first bytes is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncated {
    /// Bytes read.
    pub read: usize,
    /// Bytes the file has.
    pub size: u64,
}

/// A function's config space as read from sysfs.
#[derive(Clone, Debug)]
pub struct Config {
    data: Vec<u8>,
    file_len: u64,
}

impl Config {
    /// Wraps a read of the `config` file.
    pub fn new(read: ConfigRead) -> Self {
        Self {
            data: read.bytes,
            file_len: read.file_len,
        }
    }

    /// Whether everything the kernel would read is here: at least the conventional 256 bytes
    /// and as much as the file has (a non-root read stops at 64 bytes of a 4096-byte file). A
    /// 256-byte file is complete: the kernel also sees no extended capabilities there.
    pub fn complete(&self) -> Result<(), Truncated> {
        let read = self.data.len();
        if read < CFG_SPACE_SIZE || (read as u64) < self.file_len {
            Err(Truncated {
                read,
                size: self.file_len,
            })
        } else {
            Ok(())
        }
    }

    fn u8_at(&self, off: usize) -> Option<u8> {
        self.data.get(off).copied()
    }

    fn u16_at(&self, off: usize) -> Option<u16> {
        let b = self.data.get(off..off + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(&self, off: usize) -> Option<u32> {
        let b = self.data.get(off..off + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Vendor and device ID (in the first 64 bytes, which anyone may read).
    pub fn id(&self) -> Option<PciId> {
        Some(PciId::new(self.u16_at(0)?, self.u16_at(2)?))
    }

    /// The base class code (`0x06`: a bridge of any kind), in the first 64 bytes.
    pub fn base_class(&self) -> Option<u8> {
        self.u8_at(PCI_CLASS_CODE)
    }

    /// The offset of standard capability `cap`, if present.
    fn find_capability(&self, cap: u8) -> Option<usize> {
        if self.u16_at(PCI_STATUS)? & PCI_STATUS_CAP_LIST == 0 {
            return None;
        }
        let ptr_reg = match self.u8_at(PCI_HEADER_TYPE)? & 0x7f {
            2 => PCI_CB_CAPABILITY_LIST,
            _ => PCI_CAPABILITY_LIST,
        };
        let mut pos = usize::from(self.u8_at(ptr_reg)?);
        for _ in 0..FIND_CAP_TTL {
            if pos < 0x40 {
                return None;
            }
            pos &= !3;
            let id = self.u8_at(pos)?;
            if id == 0xff {
                return None;
            }
            if id == cap {
                return Some(pos);
            }
            pos = usize::from(self.u8_at(pos + 1)?);
        }
        None
    }

    /// The offset of extended capability `cap`, if present.
    fn find_ext_capability(&self, cap: u16) -> Option<usize> {
        if self.data.len() <= CFG_SPACE_SIZE {
            return None;
        }
        let mut pos = CFG_SPACE_SIZE;
        let mut header = self.u32_at(pos)?;
        if header == 0 {
            return None;
        }
        // At least 8 bytes per capability.
        for _ in 0..(CFG_SPACE_EXP_SIZE - CFG_SPACE_SIZE) / 8 {
            // CAST: the low 16 bits are the ID.
            if header as u16 == cap {
                return Some(pos);
            }
            // CAST: 12 bits, dword aligned.
            pos = ((header >> 20) & 0xffc) as usize;
            if pos < CFG_SPACE_SIZE {
                break;
            }
            header = self.u32_at(pos)?;
        }
        None
    }

    /// The Device/Port Type of the PCI Express capability (`pci_pcie_type()`); `Ok(None)` for
    /// a conventional PCI function.
    pub fn pcie_type(&self) -> Result<Option<u8>, Truncated> {
        self.complete()?;
        Ok(self
            .find_capability(PCI_CAP_ID_EXP)
            .and_then(|pos| self.u16_at(pos + PCI_EXP_FLAGS))
            // CAST: a 4-bit field.
            .map(|flags| ((flags & 0x00f0) >> 4) as u8))
    }

    /// The ACS Capability and Control registers; `Ok(None)` without an ACS capability.
    pub fn acs(&self) -> Result<Option<Acs>, Truncated> {
        self.complete()?;
        Ok(self
            .find_ext_capability(PCI_EXT_CAP_ID_ACS)
            .and_then(|pos| {
                Some(Acs {
                    cap: self.u16_at(pos + PCI_ACS_CAP)?,
                    ctrl: self.u16_at(pos + PCI_ACS_CTRL)?,
                })
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fake::{
        config_bytes,
        ConfigSpec, //
    };

    fn config(bytes: Vec<u8>) -> Config {
        let file_len = bytes.len() as u64;
        Config::new(ConfigRead { bytes, file_len })
    }

    #[test]
    fn ids_port_types_and_acs() {
        let spec = ConfigSpec {
            id: PciId::new(0x10b5, 0x8747),
            pcie_type: Some(6),
            acs: Some(Acs {
                cap: 0x5f,
                ctrl: Acs::RR | Acs::SV,
            }),
            bridge: true,
            class: 0x06,
        };
        let c = config(config_bytes(&spec));
        assert_eq!(c.complete(), Ok(()));
        assert_eq!(c.id(), Some(PciId::new(0x10b5, 0x8747)));
        assert_eq!(c.pcie_type(), Ok(Some(6)));
        assert_eq!(
            c.acs(),
            Ok(Some(Acs {
                cap: 0x5f,
                ctrl: Acs::RR | Acs::SV
            }))
        );
    }

    #[test]
    fn conventional_functions_have_no_pcie_capability_and_no_acs() {
        let spec = ConfigSpec {
            id: PciId::new(0x8086, 0x29c0),
            pcie_type: None,
            acs: None,
            bridge: false,
            class: 0x01,
        };
        let c = config(config_bytes(&spec));
        assert_eq!(c.pcie_type(), Ok(None));
        assert_eq!(c.acs(), Ok(None));
        // A 256-byte config space is complete: no extended capabilities, as in the kernel.
        let mut bytes = config_bytes(&ConfigSpec {
            pcie_type: Some(0),
            ..spec
        });
        bytes.truncate(CFG_SPACE_SIZE);
        let c = config(bytes);
        assert_eq!(c.complete(), Ok(()));
        assert_eq!(c.pcie_type(), Ok(Some(0)));
        assert_eq!(c.acs(), Ok(None));
    }

    #[test]
    fn non_root_reads_are_truncated() {
        let spec = ConfigSpec {
            id: PciId::new(0x1b36, 0x000c),
            pcie_type: Some(4),
            acs: Some(Acs { cap: 0x5f, ctrl: 0 }),
            bridge: true,
            class: 0x06,
        };
        let mut bytes = config_bytes(&spec);
        bytes.truncate(64);
        // The file says 4096, the read gave 64 (as sysfs does for non-root readers).
        let c = Config::new(ConfigRead {
            bytes: bytes.clone(),
            file_len: 4096,
        });
        let t = Truncated {
            read: 64,
            size: 4096,
        };
        assert_eq!(c.complete(), Err(t));
        assert_eq!(c.pcie_type(), Err(t));
        assert_eq!(c.acs(), Err(t));
        assert_eq!(c.id(), Some(PciId::new(0x1b36, 0x000c)));
        // A fake 64-byte file is just as unknown.
        assert!(config(bytes).acs().is_err());
        // So is a read that got the conventional space of a 4096-byte file.
        let full = config_bytes(&spec);
        let c = Config::new(ConfigRead {
            bytes: full[..256].to_vec(),
            file_len: 4096,
        });
        assert!(c.acs().is_err());
    }

    #[test]
    fn looping_capability_lists_end() {
        let mut bytes = vec![0u8; CFG_SPACE_EXP_SIZE];
        bytes[PCI_STATUS] = 0x10;
        bytes[PCI_CAPABILITY_LIST] = 0x40;
        bytes[0x40] = 0x01; // PM, pointing at itself
        bytes[0x41] = 0x40;
        // An extended capability pointing at itself.
        bytes[0x100..0x104].copy_from_slice(&(0x0001_0001u32 | (0x100 << 20)).to_le_bytes());
        let c = config(bytes);
        assert_eq!(c.pcie_type(), Ok(None));
        assert_eq!(c.acs(), Ok(None));
    }
}

// SPDX-License-Identifier: GPL-2.0

//! PCI function addresses (`DDDD:BB:DD.F`), as the kernel names PCI devices.

use core::fmt;

/// Why a string is not a PCI function address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PciAddrError {
    /// Not of the form `[DDDD:]BB:DD.F` with hexadecimal fields.
    Syntax,
    /// A field is out of range (domain > 0xffff, device > 0x1f or function > 7).
    Range,
}

/// The address of one PCI function: domain (segment), bus, device and function.
///
/// # Invariants
///
/// `dev < 32` and `func < 8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciAddr {
    domain: u16,
    bus: u8,
    dev: u8,
    func: u8,
}

impl PciAddr {
    /// Builds an address from its fields; `None` when `dev` > 31 or `func` > 7.
    pub const fn new(domain: u16, bus: u8, dev: u8, func: u8) -> Option<Self> {
        if dev < 32 && func < 8 {
            // INVARIANT: checked just above.
            Some(Self {
                domain,
                bus,
                dev,
                func,
            })
        } else {
            None
        }
    }

    /// Builds an address from a domain, a bus and a `devfn` byte (as in `struct pci_dev`).
    pub const fn from_devfn(domain: u16, bus: u8, devfn: u8) -> Self {
        // INVARIANT: a 5-bit device and a 3-bit function always fit.
        Self {
            domain,
            bus,
            dev: devfn >> 3,
            func: devfn & 7,
        }
    }

    /// The PCI domain (segment group).
    pub const fn domain(&self) -> u16 {
        self.domain
    }

    /// The bus number.
    pub const fn bus(&self) -> u8 {
        self.bus
    }

    /// The device (slot) number, below 32.
    pub const fn dev(&self) -> u8 {
        self.dev
    }

    /// The function number, below 8.
    pub const fn func(&self) -> u8 {
        self.func
    }

    /// The `devfn` byte: device in bits 7:3, function in bits 2:0.
    pub const fn devfn(&self) -> u8 {
        (self.dev << 3) | self.func
    }

    /// Parses `DDDD:BB:DD.F` or `BB:DD.F` (domain 0), hexadecimal as `lspci` prints it.
    pub fn parse(s: &str) -> Result<Self, PciAddrError> {
        let (rest, func) = s.rsplit_once('.').ok_or(PciAddrError::Syntax)?;
        let mut parts = rest.rsplitn(3, ':');
        let dev = parts.next().ok_or(PciAddrError::Syntax)?;
        let bus = parts.next().ok_or(PciAddrError::Syntax)?;
        let domain = parts.next().unwrap_or("0");
        let domain = hex_field(domain, 4)?;
        let bus = hex_field(bus, 2)?;
        let dev = hex_field(dev, 2)?;
        let func = hex_field(func, 1)?;
        let domain = u16::try_from(domain).map_err(|_| PciAddrError::Range)?;
        let bus = u8::try_from(bus).map_err(|_| PciAddrError::Range)?;
        if dev > 0x1f || func > 7 {
            return Err(PciAddrError::Range);
        }
        // CAST: both checked just above.
        Self::new(domain, bus, dev as u8, func as u8).ok_or(PciAddrError::Range)
    }
}

/// One hexadecimal field of at most `max_digits` digits (so "0000:00:1f.7" but not "00001").
fn hex_field(s: &str, max_digits: usize) -> Result<u32, PciAddrError> {
    if s.is_empty() || s.len() > max_digits {
        return Err(PciAddrError::Syntax);
    }
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PciAddrError::Syntax);
    }
    u32::from_str_radix(s, 16).map_err(|_| PciAddrError::Syntax)
}

impl fmt::Display for PciAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{}",
            self.domain, self.bus, self.dev, self.func
        )
    }
}

impl core::str::FromStr for PciAddr {
    type Err = PciAddrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_and_short_forms() {
        let a = PciAddr::parse("0000:02:01.0").unwrap();
        assert_eq!((a.domain(), a.bus(), a.dev(), a.func()), (0, 2, 1, 0));
        let b = PciAddr::parse("41:00.3").unwrap();
        assert_eq!((b.domain(), b.bus(), b.dev(), b.func()), (0, 0x41, 0, 3));
        let c = PciAddr::parse("10000:00:00.0");
        assert_eq!(c, Err(PciAddrError::Syntax));
        let d = PciAddr::parse("ffff:ff:1f.7").unwrap();
        assert_eq!(d.devfn(), 0xff);
    }

    #[test]
    fn rejects_out_of_range_fields() {
        assert_eq!(PciAddr::parse("00:20.0"), Err(PciAddrError::Range));
        assert_eq!(PciAddr::parse("00:1f.8"), Err(PciAddrError::Range));
        assert_eq!(PciAddr::new(0, 0, 32, 0), None);
        assert_eq!(PciAddr::new(0, 0, 0, 8), None);
    }

    #[test]
    fn rejects_malformed_strings() {
        for s in [
            "",
            ".",
            "0",
            "00:00",
            "00.0",
            ":00.0",
            "00:.0",
            "00:00.",
            "0000:00:00:00.0",
            "g0:00.0",
            "00:00.0\n",
            " 00:00.0",
            "+0:00.0",
            "000:000:00.0",
            "00:00.00",
        ] {
            assert_eq!(PciAddr::parse(s), Err(PciAddrError::Syntax), "{s:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "0000:00:00.0",
            "0000:02:01.0",
            "abcd:ef:1f.7",
            "0001:40:00.1",
        ] {
            let a: PciAddr = s.parse().unwrap();
            assert_eq!(std::format!("{a}"), s);
        }
        let short = PciAddr::parse("3:4.5").unwrap();
        assert_eq!(std::format!("{short}"), "0000:03:04.5");
    }

    #[test]
    fn devfn_round_trips() {
        for devfn in 0..=255u8 {
            assert_eq!(PciAddr::from_devfn(1, 2, devfn).devfn(), devfn);
        }
        let a = PciAddr::from_devfn(0, 0, 0x8a);
        assert_eq!((a.dev(), a.func()), (0x11, 2));
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The value of a "use p2pmem?" control file: off, any suitable provider, or one named provider.
//!
//! This is what nvmet's namespace `p2pmem` attribute and similar files accept: a boolean in the
//! kernel's `kstrtobool()` spelling, or the PCI address of the provider to use.

use super::pci_addr::{PciAddr, PciAddrError};

/// Which p2pmem a consumer should use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Do not use p2pmem.
    Off,
    /// Use any provider compatible with every client.
    Any,
    /// Use the provider at this PCI address, and only it.
    Provider(PciAddr),
}

/// Why a control-file value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectionError {
    /// Neither a boolean nor a PCI address.
    Invalid,
    /// Looks like a PCI address but a field is out of range.
    BadAddress,
}

/// `kstrtobool()`'s reading of a string: the first character decides, and "on"/"off" are
/// words. `None` for anything else.
pub fn kstrtobool(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    match b.first()? {
        b'y' | b'Y' | b't' | b'T' | b'1' => Some(true),
        b'n' | b'N' | b'f' | b'F' | b'0' => Some(false),
        b'o' | b'O' => match b.get(1)? {
            b'n' | b'N' => Some(true),
            b'f' | b'F' => Some(false),
            _ => None,
        },
        _ => None,
    }
}

impl Selection {
    /// Parses what a user wrote to a control file; one trailing newline is allowed.
    ///
    /// Anything with a `:` is a PCI address or an error. This differs on purpose from the
    /// in-tree `pci_p2pdma_enable_store()`, which falls back to `kstrtobool()` when no device has
    /// the name: there a mistyped "0000:05:00.0" reads as "0" and silently turns P2P off.
    pub fn parse(s: &str) -> Result<Self, SelectionError> {
        let s = s.strip_suffix('\n').unwrap_or(s);
        if s.contains(':') {
            return match PciAddr::parse(s) {
                Ok(addr) => Ok(Self::Provider(addr)),
                Err(PciAddrError::Range) => Err(SelectionError::BadAddress),
                Err(PciAddrError::Syntax) => Err(SelectionError::Invalid),
            };
        }
        match kstrtobool(s) {
            Some(true) => Ok(Self::Any),
            Some(false) => Ok(Self::Off),
            None => Err(SelectionError::Invalid),
        }
    }

    /// Whether p2pmem is used at all.
    pub const fn enabled(&self) -> bool {
        !matches!(self, Self::Off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kstrtobool_matches_the_kernel() {
        for t in ["1", "y", "Y", "yes", "t", "true", "on", "ON", "1x"] {
            assert_eq!(kstrtobool(t), Some(true), "{t:?}");
        }
        for f in ["0", "n", "N", "no", "f", "false", "off", "OFF", "0x"] {
            assert_eq!(kstrtobool(f), Some(false), "{f:?}");
        }
        for x in ["", "o", "ox", "2", "maybe", " 1"] {
            assert_eq!(kstrtobool(x), None, "{x:?}");
        }
    }

    #[test]
    fn parses_booleans_and_addresses() {
        assert_eq!(Selection::parse("0\n"), Ok(Selection::Off));
        assert_eq!(Selection::parse("1"), Ok(Selection::Any));
        assert_eq!(Selection::parse("on\n"), Ok(Selection::Any));
        let p = Selection::parse("0000:03:00.0\n").unwrap();
        assert_eq!(p, Selection::Provider(PciAddr::new(0, 3, 0, 0).unwrap()));
        assert!(p.enabled());
        assert!(!Selection::Off.enabled());
    }

    #[test]
    fn an_address_starting_with_a_digit_is_not_a_boolean() {
        // kstrtobool() alone would read "0000:03:00.0" as false and "1f:00.0" as true.
        assert!(matches!(
            Selection::parse("0000:03:00.0"),
            Ok(Selection::Provider(_))
        ));
        assert!(matches!(
            Selection::parse("1f:00.0"),
            Ok(Selection::Provider(_))
        ));
        assert_eq!(
            Selection::parse("0000:03:20.0"),
            Err(SelectionError::BadAddress)
        );
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "\n",
            "maybe",
            "2",
            "0000:03:00.0\n\n",
            "0000:03:00",
            "o",
            "1:",
        ] {
            assert_eq!(Selection::parse(s), Err(SelectionError::Invalid), "{s:?}");
        }
    }
}

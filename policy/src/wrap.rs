// SPDX-License-Identifier: GPL-2.0

//! The `wrap` and `unwrap` control files: make a BAR range of any PCI function a provider.
//!
//! `wrap` takes `PCI-ADDRESS BAR [SIZE [OFFSET]] [force]`: SIZE 0 or absent is the rest of the
//! BAR, OFFSET defaults to 0, both decimal or `0x` hexadecimal with an optional `K`, `M` or `G`
//! (binary) suffix. `force` allows a function bound to another driver. `unwrap` takes
//! `PCI-ADDRESS [BAR]`. Which driver bindings allow a wrap is decided here too
//! ([`driver_rule`]), for the module and for the CLI's `wrappable`.

use core::fmt;

use super::pci_addr::PciAddr;

/// A parsed `wrap` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrapRequest {
    /// The PCI function.
    pub addr: PciAddr,
    /// Its BAR, 0 to 5.
    pub bar: u8,
    /// Bytes to wrap; 0 is the rest of the BAR.
    pub size: u64,
    /// Offset inside the BAR.
    pub offset: u64,
    /// Wrap even if another driver is bound to the function.
    pub force: bool,
}

/// A parsed `unwrap` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnwrapRequest {
    /// The PCI function.
    pub addr: PciAddr,
    /// One BAR, or every wrapped BAR of the function.
    pub bar: Option<u8>,
}

/// What is wrong with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrapError {
    /// Nothing was written.
    Empty,
    /// The first word is not a PCI address.
    BadAddress,
    /// The BAR is missing or not 0 to 5.
    BadBar,
    /// SIZE or OFFSET is not a number (or overflows).
    BadNumber,
    /// More words than the syntax has.
    TooManyWords,
}

impl fmt::Display for WrapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty request",
            Self::BadAddress => "the first word is not a PCI address (DDDD:BB:DD.F)",
            Self::BadBar => "the BAR must be a number from 0 to 5",
            Self::BadNumber => "size and offset must be numbers (decimal or 0x, K/M/G suffix)",
            Self::TooManyWords => "too many words",
        })
    }
}

/// Name of the module's memory-BAR driver: a function bound to it may be wrapped without
/// `force`.
pub const MEMBAR_DRIVER: &str = "p2pmem_membar";

/// What the driver bound to a function means for a wrap of one of its BARs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverRule<'a> {
    /// No driver, or [`MEMBAR_DRIVER`]: the wrap may go ahead.
    Free,
    /// Another driver, and the request says `force`: the wrap goes ahead, with a warning, since
    /// that driver may use the BAR.
    Forced(&'a str),
    /// Another driver, and no `force`: refused (`EBUSY`).
    NeedsForce(&'a str),
}

/// The rule for a function bound to `driver` (`None`: no driver), for a request with or
/// without `force`.
pub fn driver_rule(driver: Option<&str>, force: bool) -> DriverRule<'_> {
    match driver {
        None => DriverRule::Free,
        Some(d) if d == MEMBAR_DRIVER => DriverRule::Free,
        Some(d) if force => DriverRule::Forced(d),
        Some(d) => DriverRule::NeedsForce(d),
    }
}

/// A size or offset: decimal or `0x` hexadecimal, optional binary `K`/`M`/`G` suffix.
pub fn parse_size(s: &str) -> Option<u64> {
    let (num, shift) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 10),
        b'm' | b'M' => (&s[..s.len() - 1], 20),
        b'g' | b'G' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let v = match num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u64::from_str_radix(hex, 16).ok()?
        }
        Some(_) => return None,
        None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => num.parse().ok()?,
        None => return None,
    };
    v.checked_mul(1u64 << shift)
}

fn parse_bar(s: Option<&str>) -> Result<u8, WrapError> {
    match s {
        Some(b) if b.len() == 1 && (b'0'..=b'5').contains(&b.as_bytes()[0]) => {
            Ok(b.as_bytes()[0] - b'0')
        }
        _ => Err(WrapError::BadBar),
    }
}

/// Parses a `wrap` request.
pub fn parse_wrap(s: &str) -> Result<WrapRequest, WrapError> {
    let mut words = s.split_ascii_whitespace().peekable();
    let addr = words.next().ok_or(WrapError::Empty)?;
    let addr = PciAddr::parse(addr).map_err(|_| WrapError::BadAddress)?;
    let bar = parse_bar(words.next())?;
    let mut nums = [0u64; 2];
    let mut force = false;
    let mut n = 0;
    for w in words {
        if force {
            return Err(WrapError::TooManyWords);
        }
        if w == "force" {
            force = true;
            continue;
        }
        if n == nums.len() {
            return Err(WrapError::TooManyWords);
        }
        nums[n] = parse_size(w).ok_or(WrapError::BadNumber)?;
        n += 1;
    }
    Ok(WrapRequest {
        addr,
        bar,
        size: nums[0],
        offset: nums[1],
        force,
    })
}

/// Parses an `unwrap` request.
pub fn parse_unwrap(s: &str) -> Result<UnwrapRequest, WrapError> {
    let mut words = s.split_ascii_whitespace();
    let addr = words.next().ok_or(WrapError::Empty)?;
    let addr = PciAddr::parse(addr).map_err(|_| WrapError::BadAddress)?;
    let bar = match words.next() {
        None => None,
        b => Some(parse_bar(b)?),
    };
    if words.next().is_some() {
        return Err(WrapError::TooManyWords);
    }
    Ok(UnwrapRequest { addr, bar })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> PciAddr {
        PciAddr::parse("0000:03:00.0").unwrap()
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("0x200000"), Some(2 << 20));
        assert_eq!(parse_size("2M"), Some(2 << 20));
        assert_eq!(parse_size("64m"), Some(64 << 20));
        assert_eq!(parse_size("4k"), Some(4096));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("0x10M"), Some(16 << 20));
        for bad in [
            "",
            "M",
            "0x",
            "-1",
            "1.5M",
            "12a",
            "0xg",
            "99999999999999999999",
            "16777216T",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
        assert_eq!(parse_size("17179869184G"), None, "overflow");
    }

    #[test]
    fn wrap_requests() {
        let full = |bar, size, offset, force| WrapRequest {
            addr: addr(),
            bar,
            size,
            offset,
            force,
        };
        assert_eq!(parse_wrap("0000:03:00.0 2\n"), Ok(full(2, 0, 0, false)));
        assert_eq!(parse_wrap("03:00.0 2 32M"), Ok(full(2, 32 << 20, 0, false)));
        assert_eq!(
            parse_wrap("0000:03:00.0 4 2M 0x400000"),
            Ok(full(4, 2 << 20, 4 << 20, false))
        );
        assert_eq!(parse_wrap("0000:03:00.0 2 force"), Ok(full(2, 0, 0, true)));
        assert_eq!(
            parse_wrap("0000:03:00.0 2 0 2M force"),
            Ok(full(2, 0, 2 << 20, true))
        );
    }

    #[test]
    fn bad_wrap_requests() {
        assert_eq!(parse_wrap(""), Err(WrapError::Empty));
        assert_eq!(parse_wrap(" \n"), Err(WrapError::Empty));
        assert_eq!(parse_wrap("nvme0 2"), Err(WrapError::BadAddress));
        assert_eq!(parse_wrap("0000:03:00.0"), Err(WrapError::BadBar));
        assert_eq!(parse_wrap("0000:03:00.0 6"), Err(WrapError::BadBar));
        assert_eq!(parse_wrap("0000:03:00.0 -1"), Err(WrapError::BadBar));
        assert_eq!(parse_wrap("0000:03:00.0 22"), Err(WrapError::BadBar));
        assert_eq!(parse_wrap("0000:03:00.0 2 lots"), Err(WrapError::BadNumber));
        assert_eq!(
            parse_wrap("0000:03:00.0 2 1 2 3"),
            Err(WrapError::TooManyWords)
        );
        assert_eq!(
            parse_wrap("0000:03:00.0 2 force 2M"),
            Err(WrapError::TooManyWords)
        );
        assert_eq!(
            parse_wrap("0000:03:00.0 2 force force"),
            Err(WrapError::TooManyWords)
        );
    }

    #[test]
    fn driver_rules() {
        assert_eq!(driver_rule(None, false), DriverRule::Free);
        assert_eq!(driver_rule(None, true), DriverRule::Free);
        assert_eq!(driver_rule(Some(MEMBAR_DRIVER), false), DriverRule::Free);
        assert_eq!(
            driver_rule(Some("nvme"), false),
            DriverRule::NeedsForce("nvme")
        );
        assert_eq!(driver_rule(Some("nvme"), true), DriverRule::Forced("nvme"));
        // Only the exact name is the module's driver.
        assert_eq!(
            driver_rule(Some("p2pmem_membar2"), false),
            DriverRule::NeedsForce("p2pmem_membar2")
        );
    }

    #[test]
    fn unwrap_requests() {
        assert_eq!(
            parse_unwrap("0000:03:00.0\n"),
            Ok(UnwrapRequest {
                addr: addr(),
                bar: None
            })
        );
        assert_eq!(
            parse_unwrap("0000:03:00.0 2"),
            Ok(UnwrapRequest {
                addr: addr(),
                bar: Some(2)
            })
        );
        assert_eq!(parse_unwrap(""), Err(WrapError::Empty));
        assert_eq!(parse_unwrap("0000:03:00.0 9"), Err(WrapError::BadBar));
        assert_eq!(
            parse_unwrap("0000:03:00.0 2 x"),
            Err(WrapError::TooManyWords)
        );
    }
}

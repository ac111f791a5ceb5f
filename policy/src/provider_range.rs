// SPDX-License-Identifier: GPL-2.0

//! Which part of a BAR a provider covers, checked before anything reaches mm.
//!
//! `memremap_pages()` needs the range aligned to `memremap_compat_align()` (2 MiB on x86) at
//! both ends, and WARNs on overlaps; so ranges are resolved and checked here first.

use core::fmt;

/// A resolved provider range inside a BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderRange {
    /// Offset inside the BAR.
    pub offset: u64,
    /// Length in bytes.
    pub size: u64,
}

/// Why a requested range cannot be a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeError {
    /// The BAR is empty (not implemented or not assigned).
    EmptyBar,
    /// The offset is at or past the end of the BAR.
    OffsetPastEnd {
        /// Requested offset.
        offset: u64,
        /// BAR length.
        bar_len: u64,
    },
    /// Offset plus size runs past the end of the BAR.
    PastEnd {
        /// Requested offset.
        offset: u64,
        /// Requested size.
        size: u64,
        /// BAR length.
        bar_len: u64,
    },
    /// Start address or size is not a multiple of the alignment mm requires.
    Misaligned {
        /// CPU physical start of the range.
        start: u64,
        /// Size of the range.
        size: u64,
        /// Required alignment.
        align: u64,
    },
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::EmptyBar => f.write_str("the BAR is empty"),
            Self::OffsetPastEnd { offset, bar_len } => {
                write!(
                    f,
                    "offset {offset:#x} is past the end of the {bar_len:#x}-byte BAR"
                )
            }
            Self::PastEnd {
                offset,
                size,
                bar_len,
            } => write!(
                f,
                "offset {offset:#x} + size {size:#x} runs past the end of the {bar_len:#x}-byte \
                 BAR"
            ),
            Self::Misaligned { start, size, align } => write!(
                f,
                "range at {start:#x} of {size:#x} bytes is not aligned to {align:#x} at both ends"
            ),
        }
    }
}

/// Resolves `size` 0 to "the rest of the BAR" and checks the range `[offset, offset + size)` of
/// a BAR of `bar_len` bytes at CPU address `bar_start`, whose ends must be `align`-aligned
/// (`align` is a power of two).
pub fn resolve(
    bar_start: u64,
    bar_len: u64,
    offset: u64,
    size: u64,
    align: u64,
) -> Result<ProviderRange, RangeError> {
    if bar_len == 0 {
        return Err(RangeError::EmptyBar);
    }
    if offset >= bar_len {
        return Err(RangeError::OffsetPastEnd { offset, bar_len });
    }
    let size = if size == 0 { bar_len - offset } else { size };
    if size > bar_len - offset {
        return Err(RangeError::PastEnd {
            offset,
            size,
            bar_len,
        });
    }
    let start = bar_start.wrapping_add(offset);
    let mask = align.wrapping_sub(1);
    if start & mask != 0 || size & mask != 0 {
        return Err(RangeError::Misaligned { start, size, align });
    }
    Ok(ProviderRange { offset, size })
}

/// Whether CPU ranges `[a, a + a_len)` and `[b, b + b_len)` overlap.
pub const fn overlaps(a: u64, a_len: u64, b: u64, b_len: u64) -> bool {
    a_len != 0 && b_len != 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;
    const BAR: u64 = 0xe800_0000;

    #[test]
    fn size_zero_is_the_rest_of_the_bar() {
        assert_eq!(
            resolve(BAR, 64 * MIB, 0, 0, 2 * MIB),
            Ok(ProviderRange {
                offset: 0,
                size: 64 * MIB
            })
        );
        assert_eq!(
            resolve(BAR, 64 * MIB, 16 * MIB, 0, 2 * MIB),
            Ok(ProviderRange {
                offset: 16 * MIB,
                size: 48 * MIB
            })
        );
    }

    #[test]
    fn explicit_ranges_inside_the_bar() {
        assert_eq!(
            resolve(BAR, 64 * MIB, 2 * MIB, 4 * MIB, 2 * MIB),
            Ok(ProviderRange {
                offset: 2 * MIB,
                size: 4 * MIB
            })
        );
        assert_eq!(
            resolve(BAR, 64 * MIB, 62 * MIB, 2 * MIB, 2 * MIB),
            Ok(ProviderRange {
                offset: 62 * MIB,
                size: 2 * MIB
            })
        );
    }

    #[test]
    fn refuses_what_mm_would_warn_about() {
        assert_eq!(resolve(BAR, 0, 0, 0, 2 * MIB), Err(RangeError::EmptyBar));
        assert!(matches!(
            resolve(BAR, 64 * MIB, 64 * MIB, 0, 2 * MIB),
            Err(RangeError::OffsetPastEnd { .. })
        ));
        assert!(matches!(
            resolve(BAR, 64 * MIB, 62 * MIB, 4 * MIB, 2 * MIB),
            Err(RangeError::PastEnd { .. })
        ));
        assert!(matches!(
            resolve(BAR, 64 * MIB, MIB, 0, 2 * MIB),
            Err(RangeError::Misaligned { .. })
        ));
        assert!(matches!(
            resolve(BAR, 64 * MIB, 0, 3 * MIB, 2 * MIB),
            Err(RangeError::Misaligned { .. })
        ));
        // A 1 MiB BAR can never be a provider with 2 MiB alignment.
        assert!(matches!(
            resolve(BAR, MIB, 0, 0, 2 * MIB),
            Err(RangeError::Misaligned { .. })
        ));
        // A BAR whose start is not aligned (small BARs packed together).
        assert!(matches!(
            resolve(BAR + MIB, 64 * MIB, 0, 0, 2 * MIB),
            Err(RangeError::Misaligned { .. })
        ));
        // Huge offsets do not wrap around.
        assert!(matches!(
            resolve(BAR, 64 * MIB, 2 * MIB, u64::MAX - MIB, 2 * MIB),
            Err(RangeError::PastEnd { .. })
        ));
    }

    #[test]
    fn overlap() {
        assert!(overlaps(0, 10, 5, 10));
        assert!(overlaps(5, 10, 0, 10));
        assert!(overlaps(0, 10, 0, 10));
        assert!(overlaps(0, 10, 2, 2));
        assert!(!overlaps(0, 10, 10, 10));
        assert!(!overlaps(10, 10, 0, 10));
        assert!(!overlaps(0, 0, 0, 10));
        assert!(overlaps(u64::MAX - 5, 10, u64::MAX - 1, 1));
    }

    #[test]
    fn messages() {
        let e = resolve(BAR, 64 * MIB, MIB, 0, 2 * MIB).unwrap_err();
        assert_eq!(
            std::format!("{e}"),
            "range at 0xe8100000 of 0x3f00000 bytes is not aligned to 0x200000 at both ends"
        );
    }
}

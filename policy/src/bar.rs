// SPDX-License-Identifier: GPL-2.0

//! Which BARs may hold a provider.
//!
//! Every provider needs a BAR the PCI core has placed: one with an address, enabled and in the
//! resource tree (`/proc/iomem`), since its pages are mapped at that address. A provider p2pmem
//! makes of its own accord (`wrap`, the memory-BAR driver) must also be prefetchable unless
//! forced: a non-prefetchable BAR is most likely registers, where reads have side effects.

use core::fmt;

/// What the PCI core says of a memory BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarFacts {
    /// CPU physical start.
    pub start: u64,
    /// `IORESOURCE_UNSET`: no address was assigned.
    pub unset: bool,
    /// `IORESOURCE_DISABLED`.
    pub disabled: bool,
    /// The resource has a parent: it was claimed into the resource tree.
    pub in_tree: bool,
    /// `IORESOURCE_PREFETCH`.
    pub prefetchable: bool,
}

/// Why a BAR cannot hold a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarRefusal {
    /// No address: start 0 or `IORESOURCE_UNSET`.
    Unset,
    /// `IORESOURCE_DISABLED`.
    Disabled,
    /// Not in the resource tree.
    NotInTree,
    /// Not prefetchable, and not forced.
    NotPrefetchable,
}

impl fmt::Display for BarRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unset => "has no address assigned",
            Self::Disabled => "is disabled",
            Self::NotInTree => "is not in the resource tree (/proc/iomem)",
            Self::NotPrefetchable => "is not prefetchable (registers?)",
        })
    }
}

/// Whether the BAR is placed: assigned, enabled and in the resource tree. Every provider.
pub fn check_placed(b: &BarFacts) -> Result<(), BarRefusal> {
    if b.start == 0 || b.unset {
        return Err(BarRefusal::Unset);
    }
    if b.disabled {
        return Err(BarRefusal::Disabled);
    }
    if !b.in_tree {
        return Err(BarRefusal::NotInTree);
    }
    Ok(())
}

/// [`check_placed`], and prefetchable unless `force`. Providers p2pmem makes itself.
pub fn check_own(b: &BarFacts, force: bool) -> Result<(), BarRefusal> {
    check_placed(b)?;
    if !b.prefetchable && !force {
        return Err(BarRefusal::NotPrefetchable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: BarFacts = BarFacts {
        start: 0xfe00_0000,
        unset: false,
        disabled: false,
        in_tree: true,
        prefetchable: true,
    };

    #[test]
    fn placed_prefetchable_bar() {
        assert_eq!(check_placed(&GOOD), Ok(()));
        assert_eq!(check_own(&GOOD, false), Ok(()));
        assert_eq!(check_own(&GOOD, true), Ok(()));
    }

    #[test]
    fn unplaced_bars_are_refused_even_forced() {
        let cases = [
            (BarFacts { start: 0, ..GOOD }, BarRefusal::Unset),
            (
                BarFacts {
                    unset: true,
                    ..GOOD
                },
                BarRefusal::Unset,
            ),
            (
                BarFacts {
                    disabled: true,
                    ..GOOD
                },
                BarRefusal::Disabled,
            ),
            (
                BarFacts {
                    in_tree: false,
                    ..GOOD
                },
                BarRefusal::NotInTree,
            ),
        ];
        for (b, why) in cases {
            assert_eq!(check_placed(&b), Err(why), "{b:?}");
            assert_eq!(check_own(&b, false), Err(why), "{b:?}");
            assert_eq!(check_own(&b, true), Err(why), "{b:?} forced");
        }
    }

    #[test]
    fn non_prefetchable_needs_force_only_for_own_providers() {
        let regs = BarFacts {
            prefetchable: false,
            ..GOOD
        };
        assert_eq!(check_placed(&regs), Ok(()));
        assert_eq!(check_own(&regs, false), Err(BarRefusal::NotPrefetchable));
        assert_eq!(check_own(&regs, true), Ok(()));
        // An unplaced BAR says so, not that it is not prefetchable.
        let both = BarFacts { start: 0, ..regs };
        assert_eq!(check_own(&both, false), Err(BarRefusal::Unset));
    }
}

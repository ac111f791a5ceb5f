// SPDX-License-Identifier: GPL-2.0

//! User input before it reaches mm: `wrap` strings, range resolution against the kernel's own
//! alignment requirement, and the module's range claims, which refuse overlaps.

use kernel::prelude::*;

#[kunit_tests(p2pmem_validation)]
mod tests {
    use crate::{
        ffi::provider::compat_align,
        policy::{
            pci_addr::PciAddr,
            provider_range::{
                resolve,
                ProviderRange,
                RangeError, //
            },
            wrap::{
                parse_unwrap,
                parse_wrap,
                WrapError, //
            },
        },
        registry::RangeClaim,
    };
    use kernel::prelude::*;

    fn addr(s: &str) -> PciAddr {
        // PANIC: the tests pass valid addresses.
        PciAddr::parse(s).expect("valid address")
    }

    #[test]
    fn wrap_strings() {
        let w = parse_wrap("0000:03:00.0 2 32M 0x2000000 force\n");
        let Ok(w) = w else {
            panic!("valid request refused: {:?}", w);
        };
        assert_eq!(
            (w.addr, w.bar, w.size, w.offset, w.force),
            (addr("0000:03:00.0"), 2, 32 << 20, 32 << 20, true)
        );
        assert_eq!(parse_wrap(""), Err(WrapError::Empty));
        assert_eq!(parse_wrap("nvme0 2"), Err(WrapError::BadAddress));
        assert_eq!(parse_wrap("0000:03:00.0 6"), Err(WrapError::BadBar));
        assert_eq!(parse_wrap("0000:03:00.0 2 lots"), Err(WrapError::BadNumber));
        assert_eq!(
            parse_wrap("0000:03:00.0 2 1 2 3"),
            Err(WrapError::TooManyWords)
        );
        assert!(parse_unwrap("0000:03:00.0").is_ok_and(|u| u.bar.is_none()));
        assert!(parse_unwrap("0000:03:00.0 2").is_ok_and(|u| u.bar == Some(2)));
        assert_eq!(
            parse_unwrap("0000:03:00.0 2 3").err(),
            Some(WrapError::TooManyWords)
        );
    }

    #[test]
    fn ranges_need_the_kernels_alignment() {
        let align = compat_align();
        // x86-64: memremap_compat_align() is the 2 MiB subsection size.
        assert_eq!(align, 2 << 20);
        let bar = 0xf000_0000;
        let len = 64 << 20;
        assert_eq!(
            resolve(bar, len, 0, 0, align),
            Ok(ProviderRange {
                offset: 0,
                size: len
            })
        );
        assert_eq!(
            resolve(bar, len, 2 << 20, 0, align),
            Ok(ProviderRange {
                offset: 2 << 20,
                size: len - (2 << 20)
            })
        );
        assert!(matches!(
            resolve(bar, len, 1 << 20, 2 << 20, align),
            Err(RangeError::Misaligned { .. })
        ));
        assert!(matches!(
            resolve(bar, len, 0, 3 << 20, align),
            Err(RangeError::Misaligned { .. })
        ));
        assert!(matches!(
            resolve(bar, len, 48 << 20, 32 << 20, align),
            Err(RangeError::PastEnd { .. })
        ));
        assert!(matches!(
            resolve(bar, len, len, 0, align),
            Err(RangeError::OffsetPastEnd { .. })
        ));
        assert_eq!(resolve(bar, 0, 0, 0, align), Err(RangeError::EmptyBar));
    }

    #[test]
    fn claims_refuse_overlaps_and_free_on_drop() -> Result {
        // A CPU range no real provider uses (above any BAR in the VM).
        let base = 0x7f00_0000_0000u64;
        let owner = addr("0000:7f:00.0");
        let a = RangeClaim::new(base, 4 << 20, owner, 2)?;
        assert_eq!(
            RangeClaim::new(base + (2 << 20), 4 << 20, owner, 4).err(),
            Some(EBUSY)
        );
        assert_eq!(
            RangeClaim::new(base - (2 << 20), 4 << 20, owner, 4).err(),
            Some(EBUSY)
        );
        // Adjacent ranges do not overlap.
        let b = RangeClaim::new(base + (4 << 20), 2 << 20, owner, 4)?;
        drop(a);
        let c = RangeClaim::new(base, 4 << 20, owner, 2)?;
        drop((b, c));
        Ok(())
    }
}

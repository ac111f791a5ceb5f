// SPDX-License-Identifier: GPL-2.0

//! The policy crate's sources, compiled into the module, behave as on the host.

use kernel::prelude::*;

#[kunit_tests(p2pmem_policy)]
mod tests {
    use crate::policy::{
        pci_addr::PciAddr,
        selection::Selection, //
    };
    use kernel::{
        prelude::*,
        str::CString, //
    };

    #[test]
    fn pci_addresses_parse_and_print() -> Result {
        let a = PciAddr::parse("0000:02:01.0").map_err(|_| EINVAL)?;
        assert_eq!((a.bus(), a.dev(), a.func()), (2, 1, 0));
        let s = CString::try_from_fmt(fmt!("{a}"))?;
        assert_eq!(s.to_bytes(), b"0000:02:01.0");
        assert!(PciAddr::parse("0000:02:20.0").is_err());
        Ok(())
    }

    #[test]
    fn control_file_values() {
        assert_eq!(Selection::parse("1\n"), Ok(Selection::Any));
        assert_eq!(Selection::parse("off"), Ok(Selection::Off));
        assert!(matches!(
            Selection::parse("0000:03:00.0\n"),
            Ok(Selection::Provider(_))
        ));
        assert!(Selection::parse("0000:03:00").is_err());
    }
}

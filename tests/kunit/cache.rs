// SPDX-License-Identifier: GPL-2.0

//! The verdict cache keeps every PCI function's entries apart, whatever its domain.

use kernel::prelude::*;

#[kunit_tests(p2pmem_vcache)]
mod tests {
    use crate::{
        ffi::pci::{
            self,
            PciFn, //
        },
        kunit::devices,
        policy::{
            pci_addr::PciAddr,
            topology::PciFunction,
            verdict::{
                MapType,
                Route,
                Verdict, //
            },
            verdict_cache::Cached,
        },
        verdict_cache::{
            entries,
            fill,
            generation,
            invalidate,
            peek, //
        },
    };
    use kernel::prelude::*;

    fn a(s: &str) -> Result<PciAddr> {
        PciAddr::parse(s).map_err(|_| EINVAL)
    }

    fn verdict(map_type: MapType, distance: u32, bridge: PciAddr) -> Verdict {
        Verdict {
            map_type,
            distance,
            route: Route::Common { bridge },
            host_bridge: None,
        }
    }

    /// Fills the pair unless a flush (a hot-plug event) keeps coming in between.
    fn fill_now(p: PciAddr, c: PciAddr, v: &Verdict) -> bool {
        for _ in 0..10 {
            fill(p, c, v, generation());
            if peek(p, c).is_some() {
                return true;
            }
        }
        false
    }

    #[test]
    fn domains_differing_only_in_bit_16_have_their_own_entries() -> Result {
        // Bus 0xfe has no functions in the VM, so nothing else fills these pairs.
        let zero = a("0000:fe:1f.7")?;
        let vmd = a("10000:fe:1f.7")?;
        let client = a("0000:fe:1f.6")?;
        invalidate();

        let near = verdict(MapType::BusAddr, 4, client);
        assert!(fill_now(vmd, client, &near));
        let cached_near = Cached {
            map_type: MapType::BusAddr,
            distance: 4,
        };
        assert_eq!(peek(vmd, client), Some(cached_near));
        assert_eq!(peek(zero, client), None);

        let far = verdict(MapType::NotSupported, 6, client);
        assert!(fill_now(zero, client, &far));
        assert_eq!(peek(vmd, client), Some(cached_near));
        assert_eq!(
            peek(zero, client).map(|c| c.map_type),
            Some(MapType::NotSupported)
        );

        // The same with the VMD function as the client.
        assert!(fill_now(client, vmd, &near));
        assert_eq!(peek(client, zero), None);

        // The listing names each pair as it was filled.
        let mut seen = 0;
        for (p, c, v) in entries() {
            if (p, c) == (vmd, client) || (p, c) == (client, vmd) {
                assert_eq!(v, cached_near);
                seen += 1;
            } else if (p, c) == (zero, client) {
                assert_eq!(v.map_type, MapType::NotSupported);
                seen += 1;
            }
        }
        assert_eq!(seen, 3);

        invalidate();
        assert_eq!(peek(vmd, client), None);
        assert_eq!(peek(zero, client), None);
        Ok(())
    }

    #[test]
    fn a_verdict_computed_before_a_flush_is_not_stored() -> Result {
        let p = a("0000:fe:1e.7")?;
        let c = a("0000:fe:1e.6")?;
        let v = verdict(MapType::BusAddr, 2, c);
        let before = generation();
        invalidate();
        assert_ne!(generation(), before);
        fill(p, c, &v, before);
        assert_eq!(peek(p, c), None);
        // With the generation read after the flush it is stored (unless another flush came).
        assert!(fill_now(p, c, &v));
        invalidate();
        assert_eq!(peek(p, c), None);
        Ok(())
    }

    #[test]
    fn a_rate_limit_allows_its_burst_per_interval() {
        use crate::ffi::ratelimit::RateLimit;
        static LIMIT: RateLimit = RateLimit::new(c"kunit", 3_600_000, 3);
        let allowed = (0..10).filter(|_| LIMIT.allow()).count();
        assert_eq!(allowed, 3);
    }

    #[test]
    fn a_live_functions_address_finds_it_again() -> Result {
        let edu = devices::edu().ok_or(ENODEV)?;
        let f = PciFn::new(&edu);
        let again = pci::get(f.addr()).ok_or(ENODEV)?;
        assert!(core::ptr::eq(&*edu, &*again));
        assert!(f.is(&PciFn::new(&again)));
        let nvme = devices::cmb_nvme().ok_or(ENODEV)?;
        assert!(!f.is(&PciFn::new(&nvme)));
        Ok(())
    }
}

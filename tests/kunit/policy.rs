// SPDX-License-Identifier: GPL-2.0

//! The policy crate's sources, compiled into the module, behave as on the host.

use kernel::prelude::*;

#[kunit_tests(p2pmem_policy)]
mod tests {
    use crate::{
        display::Shown,
        policy::{
            host_bridge::{
                AllowEntry,
                Cpu,
                CpuVendor,
                HostBridgePolicy,
                BUILTIN_ALLOWLIST, //
            },
            pci_addr::PciAddr,
            selection::Selection,
            synthetic::{
                function,
                Node, //
            },
            topology::{
                Acs,
                PciId,
                PortType, //
            },
            verdict::{
                verdict,
                MapType, //
            },
        },
    };
    use kernel::{
        prelude::*,
        str::CString, //
    };

    const QEMU64: Cpu = Cpu {
        vendor: CpuVendor::Amd,
        family: 15,
    };

    fn addr(bus: u8, dev: u8, func: u8) -> PciAddr {
        PciAddr::from_devfn(0, bus, (dev << 3) | func)
    }

    /// q35 with one switch (two NVMe) and two root ports (two NVMe); the switch's downstream
    /// ports carry ACS, as in the VM's `acs` topology.
    fn topology() -> [Node; 10] {
        let host = PciId::new(0x8086, 0x29c0);
        let rp = PciId::new(0x1b36, 0x000c);
        let nvme = PciId::new(0x1b36, 0x0010);
        let mut n = [
            Node::new(addr(0, 0, 0), host, PortType::Endpoint, None),
            Node::new(addr(0, 0x10, 0), rp, PortType::RootPort, None),
            Node::new(
                addr(1, 0, 0),
                PciId::new(0x104c, 0x8232),
                PortType::UpstreamPort,
                Some(1),
            ),
            Node::new(addr(2, 0, 0), rp, PortType::RootPort, Some(2)),
            Node::new(addr(2, 1, 0), rp, PortType::RootPort, Some(2)),
            Node::new(addr(3, 0, 0), nvme, PortType::Endpoint, Some(3)),
            Node::new(addr(4, 0, 0), nvme, PortType::Endpoint, Some(4)),
            Node::new(addr(0, 0x11, 0), rp, PortType::RootPort, None),
            Node::new(addr(5, 0, 0), nvme, PortType::Endpoint, Some(7)),
            Node::new(addr(0, 0x12, 0), rp, PortType::RootPort, None),
        ];
        n[3].acs = Some(Acs { cap: 0x5f, ctrl: 0 });
        n[4].acs = Some(Acs { cap: 0x5f, ctrl: 0 });
        n
    }

    fn policy<'a>(runtime: &'a [AllowEntry], cpu: Cpu) -> HostBridgePolicy<'a> {
        HostBridgePolicy {
            runtime,
            builtin: BUILTIN_ALLOWLIST,
            cpu,
        }
    }

    #[test]
    fn switch_siblings_are_bus_addr_at_four() -> Result {
        let t = topology();
        let p = function(&t, addr(3, 0, 0)).ok_or(ENOENT)?;
        let c = function(&t, addr(4, 0, 0)).ok_or(ENOENT)?;
        let v = verdict(&p, &c, &policy(&[], QEMU64));
        assert_eq!(v.map_type, MapType::BusAddr);
        assert_eq!(v.distance, 4);
        Ok(())
    }

    #[test]
    fn acs_redirect_is_refused_and_explained() -> Result {
        let mut t = topology();
        if let Some(acs) = t[4].acs.as_mut() {
            acs.ctrl = Acs::RR;
        }
        let p = function(&t, addr(3, 0, 0)).ok_or(ENOENT)?;
        let c = function(&t, addr(4, 0, 0)).ok_or(ENOENT)?;
        let v = verdict(&p, &c, &policy(&[], QEMU64));
        assert_eq!(v.map_type, MapType::NotSupported);
        let reason = CString::try_from_fmt(fmt!("{}", Shown(v.reason())))?;
        let expected: &[u8] = b"ACS P2P Request Redirect set on 0000:02:01.0; host bridge \
            8086:29c0 is not allowed; boot with pci=disable_acs_redir=0000:02:01.0 to allow P2P";
        assert_eq!(reason.to_bytes(), expected);
        // An AMD Zen CPU routes it through the host bridge instead.
        let zen = Cpu {
            vendor: CpuVendor::Amd,
            family: 0x19,
        };
        assert_eq!(
            verdict(&p, &c, &policy(&[], zen)).map_type,
            MapType::ThruHostBridge
        );
        Ok(())
    }

    #[test]
    fn root_ports_need_an_allowed_host_bridge() -> Result {
        let t = topology();
        let p = function(&t, addr(3, 0, 0)).ok_or(ENOENT)?;
        let c = function(&t, addr(5, 0, 0)).ok_or(ENOENT)?;
        let v = verdict(&p, &c, &policy(&[], QEMU64));
        assert_eq!(v.map_type, MapType::NotSupported);
        assert_eq!(v.distance, 6);
        let allow = [AllowEntry::any(PciId::new(0x8086, 0x29c0))];
        let v = verdict(&p, &c, &policy(&allow, QEMU64));
        assert_eq!(v.map_type, MapType::ThruHostBridge);
        Ok(())
    }

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

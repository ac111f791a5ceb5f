// SPDX-License-Identifier: GPL-2.0

//! The sysfs implementation of `PciFunction` against `policy::synthetic` on the same
//! topologies: every ordered pair gives the same verdict, distance and reason. And the values
//! policy/src/tests.rs expects for the VM topologies, through the command line.

use p2pmem_policy::{
    host_bridge::{
        AllowEntry,
        Cpu,
        CpuVendor,
        HostBridgePolicy,
        BUILTIN_ALLOWLIST, //
    },
    synthetic,
    topology::{
        Acs,
        PciFunction,
        PciId, //
    },
    verdict::verdict,
};

use super::{fake::*, run_on};
use crate::{sysfs::Roots, topology::Topology};

const QEMU64: Cpu = Cpu {
    vendor: CpuVendor::Amd,
    family: 15,
};
const EPYC: Cpu = Cpu {
    vendor: CpuVendor::Amd,
    family: 0x17,
};

fn roots(sys: &FakeSys) -> Roots {
    Roots {
        sys: sys.sys(),
        proc: sys.proc(),
        dev: sys.dev(),
    }
}

/// Compares every ordered pair of `devs` under `policy`; returns how many were compared.
fn same_verdicts(devs: &[Dev], policy: &HostBridgePolicy<'_>) -> usize {
    let sys = FakeSys::with(devs);
    let topo = Topology::load(&roots(&sys)).unwrap();
    let nodes = synthetic(devs);
    assert_eq!(topo.nodes().len(), nodes.len());
    let mut n = 0;
    for a in synthetic::functions(&nodes) {
        for b in synthetic::functions(&nodes) {
            let sa = topo.function(a.addr()).unwrap();
            let sb = topo.function(b.addr()).unwrap();
            topo.check_known(&sa).unwrap();
            assert_eq!(sa.host_bridge(), a.host_bridge(), "{}", a.addr());
            assert_eq!(sa.id(), a.id());
            assert_eq!(sa.port_type(), a.port_type());
            assert_eq!(sa.acs(), a.acs());
            let want = verdict(&a, &b, policy);
            let got = verdict(&sa, &sb, policy);
            assert_eq!(got, want, "{} -> {}", a.addr(), b.addr());
            assert_eq!(got.reason().to_string(), want.reason().to_string());
            n += 1;
        }
    }
    n
}

fn policy(cpu: Cpu, runtime: &[AllowEntry]) -> HostBridgePolicy<'_> {
    HostBridgePolicy {
        runtime,
        builtin: BUILTIN_ALLOWLIST,
        cpu,
    }
}

#[test]
fn every_pair_of_every_topology_agrees_with_the_synthetic_one() {
    let q35 = [AllowEntry::any(Q35_HOST)];
    let mut compared = 0;
    let mut acs_all = all();
    for d in &mut acs_all {
        if let Some(a) = d.spec.acs.as_mut() {
            a.ctrl = Acs::RR | Acs::CR;
        }
    }
    for devs in [
        q35_switch(),
        q35_rootports(),
        plx_workstation(),
        all(),
        acs_all,
    ] {
        for p in [policy(QEMU64, &[]), policy(EPYC, &[]), policy(QEMU64, &q35)] {
            compared += same_verdicts(&devs, &p);
        }
    }
    assert!(compared > 3000, "{compared}");
}

#[test]
fn the_values_policy_tests_expect() {
    let sys = FakeSys::with(&all());
    let expect = |p: &str, c: &str, map_type: &str, distance: u32, code: u8| {
        let r = run_on(&sys, &["--json", "check", p, c]);
        assert_eq!(r.code, code, "{p} -> {c}: {r:?}");
        let v = &r.json()["clients"][0];
        assert_eq!(
            (
                v["map_type"].as_str().unwrap(),
                v["distance"].as_u64().unwrap()
            ),
            (map_type, u64::from(distance)),
            "{p} -> {c}"
        );
        v["reason"].as_str().unwrap().to_string()
    };
    // same_function_is_bus_addr_at_zero
    expect("03:00.0", "03:00.0", "BUS_ADDR", 0, 0);
    // two_functions_of_one_device_are_two_apart
    expect("0e:00.0", "0e:00.1", "BUS_ADDR", 2, 0);
    // switch_siblings_are_bus_addr_at_four
    for (p, c) in [
        ("03:00.0", "04:00.0"),
        ("05:00.0", "06:00.0"),
        ("05:00.0", "03:00.0"),
    ] {
        assert_eq!(
            expect(p, c, "BUS_ADDR", 4, 0),
            "common upstream bridge 0000:01:00.0, no ACS redirect on the path"
        );
    }
    // a_bridge_and_a_device_below_it
    expect("02:00.0", "03:00.0", "BUS_ADDR", 1, 0);
    // root_ports_of_q35_are_not_supported_until_allowed
    assert_eq!(
        expect("07:00.0", "08:00.0", "NOT_SUPPORTED", 4, 1),
        "no common upstream bridge and host bridge 8086:29c0 is not allowed; if it routes P2P, \
         allow it: echo 8086:29c0 > /sys/class/p2pmem/host_bridge_allow"
    );
    // acs_ports_without_redirect_bits_are_bus_addr
    expect("0b:00.0", "0c:00.0", "BUS_ADDR", 4, 0);
    // acs_reason_names_the_bit_and_the_fix
    sys.set_acs_ctrl("0a:01.0", Acs::RR);
    assert_eq!(
        expect("0b:00.0", "0c:00.0", "NOT_SUPPORTED", 4, 1),
        "ACS P2P Request Redirect set on 0000:0a:01.0; host bridge 8086:29c0 is not allowed; \
         boot with pci=disable_acs_redir=0000:0a:01.0 to allow P2P"
    );
    // acs_on_the_common_bridge_counts_as_in_tree
    sys.set_acs_ctrl("00:16.0", Acs::RR);
    expect("0e:00.1", "0e:00.0", "NOT_SUPPORTED", 2, 1);
    // pxb_root_bus_host_bridge_is_its_first_root_port: the pxb bus is identified by 1b36:000c.
    let topo = Topology::load(&roots(&sys)).unwrap();
    let hb = topo
        .function(p2pmem_policy::pci_addr::PciAddr::parse("41:00.0").unwrap())
        .unwrap()
        .host_bridge();
    assert_eq!(hb.device, Some(PciId::new(0x1b36, 0x000c)));
    assert_eq!(hb.root_bus.bus, 0x40);
    assert!(expect("0d:00.0", "41:00.0", "NOT_SUPPORTED", 4, 1)
        .contains("host bridge 8086:29c0 is not allowed"));
    // amd_zen_routes_through_any_host_bridge
    sys.set_cpu("AuthenticAMD", 0x17);
    expect("0d:00.0", "41:00.0", "THRU_HOST_BRIDGE", 4, 0);
}

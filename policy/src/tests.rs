// SPDX-License-Identifier: GPL-2.0

//! Verdicts on synthetic topologies: the VM's topologies and the branches they cannot reach.

use std::{
    format,
    string::{
        String,
        ToString, //
    },
    vec::Vec,
};

use crate::{
    bus_offset::{
        dma_mask_reaches,
        Window, //
    },
    dma_api::{
        check as dma_api_check,
        iommu_translates,
        DmaApiFacts,
        DmaApiRefusal, //
    },
    dma_plan::{
        merges,
        plan_segment,
        PlanError,
        SegmentPlan, //
    },
    host_bridge::{
        AllowEntry,
        Cpu,
        CpuVendor,
        HostBridgeDecision,
        HostBridgePolicy,
        BUILTIN_ALLOWLIST, //
    },
    pci_addr::PciAddr,
    pin::{
        client_refusal,
        is_client,
        user_dma_class,
        FunctionState,
        PinOptIns, //
    },
    synthetic::{
        function,
        functions,
        Function,
        Node, //
    },
    topology::{
        Acs, HostBridge, PciFunction, PciId,
        PortType::{
            self,
            *, //
        },
    },
    verdict::{
        distance_many,
        find_closest,
        verdict,
        MapType,
        Route,
        Verdict, //
    },
    verdict_cache::{
        key,
        pair,
        Cached, //
    },
};

const Q35_HOST: PciId = PciId::new(0x8086, 0x29c0);
const ROOT_PORT: PciId = PciId::new(0x1b36, 0x000c);
const SW_UP: PciId = PciId::new(0x104c, 0x8232);
const SW_DOWN: PciId = PciId::new(0x104c, 0x8233);
const NVME: PciId = PciId::new(0x1b36, 0x0010);

const QEMU64: Cpu = Cpu {
    vendor: CpuVendor::Amd,
    family: 15,
};
const EPYC: Cpu = Cpu {
    vendor: CpuVendor::Amd,
    family: 0x17,
};
const INTEL: Cpu = Cpu {
    vendor: CpuVendor::Other,
    family: 6,
};

fn a(s: &str) -> PciAddr {
    PciAddr::parse(s).unwrap()
}

fn node(addr: &str, id: PciId, t: PortType, parent: Option<usize>) -> Node {
    Node::new(a(addr), id, t, parent)
}

fn policy(cpu: Cpu) -> HostBridgePolicy<'static> {
    HostBridgePolicy {
        runtime: &[],
        builtin: BUILTIN_ALLOWLIST,
        cpu,
    }
}

fn f<'a>(nodes: &'a [Node], addr: &str) -> Function<'a> {
    function(nodes, a(addr)).unwrap()
}

fn v(nodes: &[Node], p: &str, c: &str, pol: &HostBridgePolicy<'_>) -> Verdict {
    verdict(&f(nodes, p), &f(nodes, c), pol)
}

/// The `all` VM topology: q35 host bridge, a switch with 4 endpoints, two root ports of one
/// slot, a pxb-pcie host bridge (bus 0x40), a switch of ACS-capable ports, a multifunction NVMe.
fn all_topology() -> Vec<Node> {
    let mut n = Vec::new();
    let mut push = |x: Node| {
        n.push(x);
        n.len() - 1
    };
    push(node("00:00.0", Q35_HOST, Endpoint, None));
    // switch
    let rp1 = push(node("00:10.0", ROOT_PORT, RootPort, None));
    let up1 = push(node("01:00.0", SW_UP, UpstreamPort, Some(rp1)));
    let dp = [0, 1, 2, 3].map(|i| {
        push(node(
            &format!("02:0{i}.0"),
            SW_DOWN,
            DownstreamPort,
            Some(up1),
        ))
    });
    push(node("03:00.0", NVME, Endpoint, Some(dp[0])));
    push(node("04:00.0", NVME, Endpoint, Some(dp[1])));
    push(node(
        "05:00.0",
        PciId::new(0x1af4, 0x1110),
        Endpoint,
        Some(dp[2]),
    ));
    push(node(
        "06:00.0",
        PciId::new(0x1234, 0x11e8),
        Endpoint,
        Some(dp[3]),
    ));
    // rootports
    let rp2 = push(node("00:11.0", ROOT_PORT, RootPort, None));
    let rp3 = push(node("00:11.1", ROOT_PORT, RootPort, None));
    push(node("07:00.0", NVME, Endpoint, Some(rp2)));
    push(node("08:00.0", NVME, Endpoint, Some(rp3)));
    // hostbridges
    let rp7 = push(node("00:14.0", ROOT_PORT, RootPort, None));
    push(node("0d:00.0", NVME, Endpoint, Some(rp7)));
    let rp4 = push(node("40:00.0", ROOT_PORT, RootPort, None));
    push(node("41:00.0", NVME, Endpoint, Some(rp4)));
    // acs: a switch whose downstream ports are ACS-capable root ports
    let rp20 = push(node("00:13.0", ROOT_PORT, RootPort, None));
    let up20 = push(node("09:00.0", SW_UP, UpstreamPort, Some(rp20)));
    let mut ds1 = node("0a:00.0", ROOT_PORT, RootPort, Some(up20));
    ds1.acs = Some(Acs { cap: 0x5f, ctrl: 0 });
    let ds1 = push(ds1);
    let mut ds2 = node("0a:01.0", ROOT_PORT, RootPort, Some(up20));
    ds2.acs = Some(Acs { cap: 0x5f, ctrl: 0 });
    let ds2 = push(ds2);
    push(node("0b:00.0", NVME, Endpoint, Some(ds1)));
    push(node("0c:00.0", NVME, Endpoint, Some(ds2)));
    // two functions of one device below an ACS-capable root port (seed's d2 variant)
    let mut rp30 = node("00:16.0", ROOT_PORT, RootPort, None);
    rp30.acs = Some(Acs { cap: 0x5f, ctrl: 0 });
    let rp30 = push(rp30);
    push(node("0e:00.0", NVME, Endpoint, Some(rp30)));
    push(node("0e:00.1", NVME, Endpoint, Some(rp30)));
    n
}

fn set_acs(nodes: &mut [Node], addr: &str, ctrl: u16) {
    let n = nodes.iter_mut().find(|n| n.addr == a(addr)).unwrap();
    n.acs.as_mut().unwrap().ctrl = ctrl;
}

#[test]
fn same_function_is_bus_addr_at_zero() {
    let t = all_topology();
    let r = v(&t, "03:00.0", "03:00.0", &policy(QEMU64));
    assert_eq!(
        (r.map_type, r.distance, r.route),
        (MapType::BusAddr, 0, Route::SameFunction)
    );
}

#[test]
fn two_functions_of_one_device_are_two_apart() {
    let t = all_topology();
    let r = v(&t, "0e:00.0", "0e:00.1", &policy(QEMU64));
    assert_eq!(r.map_type, MapType::BusAddr);
    assert_eq!(r.distance, 2);
    assert_eq!(
        r.route,
        Route::Common {
            bridge: a("00:16.0")
        }
    );
}

#[test]
fn switch_siblings_are_bus_addr_at_four() {
    let t = all_topology();
    for (p, c) in [
        ("03:00.0", "04:00.0"),
        ("05:00.0", "06:00.0"),
        ("05:00.0", "03:00.0"),
    ] {
        let r = v(&t, p, c, &policy(QEMU64));
        assert_eq!(
            (r.map_type, r.distance),
            (MapType::BusAddr, 4),
            "{p} -> {c}"
        );
        assert_eq!(
            r.route,
            Route::Common {
                bridge: a("01:00.0")
            }
        );
        assert_eq!(
            r.reason().to_string(),
            "common upstream bridge 0000:01:00.0, no ACS redirect on the path"
        );
    }
}

#[test]
fn a_bridge_and_a_device_below_it() {
    let t = all_topology();
    // The downstream port above 03:00.0 and the device itself: one hop.
    let r = v(&t, "02:00.0", "03:00.0", &policy(QEMU64));
    assert_eq!((r.map_type, r.distance), (MapType::BusAddr, 1));
}

#[test]
fn root_ports_of_q35_are_not_supported_until_allowed() {
    let t = all_topology();
    let r = v(&t, "07:00.0", "08:00.0", &policy(QEMU64));
    assert_eq!(r.map_type, MapType::NotSupported);
    assert_eq!(r.distance, 4);
    assert_eq!(r.route, Route::NoCommonBridge);
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::NotAllowed(Q35_HOST))
    );
    assert_eq!(
        r.reason().to_string(),
        "no common upstream bridge and host bridge 8086:29c0 is not allowed; if it routes P2P, \
         allow it: echo 8086:29c0 > /sys/class/p2pmem/host_bridge_allow"
    );

    let runtime = [AllowEntry::any(Q35_HOST)];
    let allowed = HostBridgePolicy {
        runtime: &runtime,
        ..policy(QEMU64)
    };
    let r = v(&t, "07:00.0", "08:00.0", &allowed);
    assert_eq!(r.map_type, MapType::ThruHostBridge);
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::AllowedSame(Q35_HOST))
    );
}

#[test]
fn different_host_bridges_need_both_allowed() {
    let t = all_topology();
    let r = v(&t, "0d:00.0", "41:00.0", &policy(QEMU64));
    assert_eq!(r.map_type, MapType::NotSupported);
    assert_eq!(r.distance, 4);
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::NotAllowed(Q35_HOST))
    );

    // Allowing only q35's bridge is not enough: the pxb bus is identified by its root port.
    let one = [AllowEntry::any(Q35_HOST)];
    let r = v(
        &t,
        "0d:00.0",
        "41:00.0",
        &HostBridgePolicy {
            runtime: &one,
            ..policy(QEMU64)
        },
    );
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::NotAllowed(ROOT_PORT))
    );
    assert_eq!(r.map_type, MapType::NotSupported);

    let both = [AllowEntry::any(Q35_HOST), AllowEntry::any(ROOT_PORT)];
    let r = v(
        &t,
        "0d:00.0",
        "41:00.0",
        &HostBridgePolicy {
            runtime: &both,
            ..policy(QEMU64)
        },
    );
    assert_eq!(r.map_type, MapType::ThruHostBridge);
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::AllowedBoth(Q35_HOST, ROOT_PORT))
    );
}

/// Domain 0 and an Intel VMD domain (0x10000) with functions at the same bus and devfn: q35's
/// host bridge and an NVMe on each root bus, and one more NVMe function in the VMD domain.
fn vmd_topology() -> Vec<Node> {
    vec![
        node("0000:00:00.0", Q35_HOST, Endpoint, None),
        node("0000:00:01.0", NVME, Endpoint, None),
        node("10000:00:00.0", ROOT_PORT, RootPort, None),
        node("10000:00:01.0", NVME, Endpoint, None),
        node("10000:00:01.1", NVME, Endpoint, None),
    ]
}

#[test]
fn domains_differing_only_in_bit_16_are_different() {
    let t = vmd_topology();
    let (p, c) = (f(&t, "0000:00:01.0"), f(&t, "10000:00:01.0"));
    assert_ne!(p.addr(), c.addr());
    assert_ne!(p.host_bridge().root_bus, c.host_bridge().root_bus);

    // Not the same function, and two host bridges: both must be allowed.
    let r = v(&t, "0000:00:01.0", "10000:00:01.0", &policy(QEMU64));
    assert_eq!(r.route, Route::NoCommonBridge);
    assert_eq!(r.map_type, MapType::NotSupported);
    assert_eq!(r.distance, 2);
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::NotAllowed(Q35_HOST))
    );
    let one = [AllowEntry::any(Q35_HOST)];
    let r = v(
        &t,
        "0000:00:01.0",
        "10000:00:01.0",
        &HostBridgePolicy {
            runtime: &one,
            ..policy(QEMU64)
        },
    );
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::NotAllowed(ROOT_PORT))
    );
    let both = [AllowEntry::any(Q35_HOST), AllowEntry::any(ROOT_PORT)];
    let r = v(
        &t,
        "10000:00:01.0",
        "0000:00:01.0",
        &HostBridgePolicy {
            runtime: &both,
            ..policy(QEMU64)
        },
    );
    assert_eq!(r.map_type, MapType::ThruHostBridge);
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::AllowedBoth(ROOT_PORT, Q35_HOST))
    );

    // Within the VMD domain: its own host bridge, and the same function is still found.
    let r = v(&t, "10000:00:01.0", "10000:00:01.1", &policy(QEMU64));
    assert_eq!(
        r.host_bridge,
        Some(HostBridgeDecision::NotAllowed(ROOT_PORT))
    );
    let r = v(&t, "10000:00:01.0", "10000:00:01.0", &policy(QEMU64));
    assert_eq!(r.route, Route::SameFunction);
    assert_eq!(
        r.reason().to_string(),
        "provider and client are the same function"
    );
}

#[test]
fn cache_keys_keep_the_whole_domain() {
    let zero = a("0000:00:01.0");
    let vmd = a("10000:00:01.0");
    let c = a("0000:03:00.0");
    assert_ne!(key(zero, c), key(vmd, c));
    assert_ne!(key(c, zero), key(c, vmd));
    assert_ne!(key(zero, vmd), key(vmd, zero));
    assert_eq!(pair(key(vmd, c)), (vmd, c));
    assert_eq!(pair(key(c, vmd)), (c, vmd));
    let max = a("ffffffff:ff:1f.7");
    assert_eq!(pair(key(max, max)), (max, max));
}

#[test]
fn pxb_root_bus_host_bridge_is_its_first_root_port() {
    let t = all_topology();
    let hb = f(&t, "41:00.0").host_bridge();
    assert_eq!(hb.device, Some(ROOT_PORT));
    assert_eq!(f(&t, "03:00.0").host_bridge().device, Some(Q35_HOST));
    assert_ne!(hb.root_bus, f(&t, "03:00.0").host_bridge().root_bus);
}

#[test]
fn amd_zen_routes_through_any_host_bridge() {
    let t = all_topology();
    for (p, c) in [("07:00.0", "08:00.0"), ("0d:00.0", "41:00.0")] {
        let r = v(&t, p, c, &policy(EPYC));
        assert_eq!(r.map_type, MapType::ThruHostBridge, "{p} -> {c}");
        assert_eq!(r.host_bridge, Some(HostBridgeDecision::AllowedByCpu(EPYC)));
        assert!(r.reason().to_string().contains("Zen or newer"));
    }
    // Family 0x16 AMD and Intel CPUs get no such pass.
    let older = Cpu {
        vendor: CpuVendor::Amd,
        family: 0x16,
    };
    assert_eq!(
        v(&t, "07:00.0", "08:00.0", &policy(older)).map_type,
        MapType::NotSupported
    );
    assert_eq!(
        v(&t, "07:00.0", "08:00.0", &policy(INTEL)).map_type,
        MapType::NotSupported
    );
}

#[test]
fn acs_ports_without_redirect_bits_are_bus_addr() {
    let t = all_topology();
    let r = v(&t, "0b:00.0", "0c:00.0", &policy(QEMU64));
    assert_eq!((r.map_type, r.distance), (MapType::BusAddr, 4));
}

#[test]
fn acs_redirect_on_client_side_provider_side_or_both() {
    let base = all_topology();
    for (ports, expect_named) in [
        (&["0a:01.0"][..], "0000:0a:01.0"),
        (&["0a:00.0"][..], "0000:0a:00.0"),
        (&["0a:00.0", "0a:01.0"][..], "0000:0a:00.0;0000:0a:01.0"),
    ] {
        let mut t = base.clone();
        for p in ports {
            set_acs(&mut t, p, Acs::RR | Acs::SV);
        }
        let r = v(&t, "0b:00.0", "0c:00.0", &policy(QEMU64));
        assert_eq!(r.map_type, MapType::NotSupported, "{ports:?}");
        assert_eq!(r.distance, 4);
        let Route::AcsRedirect {
            bridge,
            ports: found,
        } = r.route
        else {
            panic!("expected an ACS route, got {:?}", r.route);
        };
        assert_eq!(bridge, a("09:00.0"));
        assert_eq!(found.kernel_param().to_string(), expect_named);
        let reason = r.reason().to_string();
        assert!(
            reason.contains(&format!(
                "pci=disable_acs_redir={expect_named} to allow P2P"
            )),
            "{reason}"
        );
        // The walk order differs, the verdict does not.
        let back = v(&t, "0c:00.0", "0b:00.0", &policy(QEMU64));
        assert_eq!((back.map_type, back.distance), (r.map_type, r.distance));

        // With a Zen CPU the same path goes through the host bridge instead.
        let zen = v(&t, "0b:00.0", "0c:00.0", &policy(EPYC));
        assert_eq!(zen.map_type, MapType::ThruHostBridge);
    }
}

#[test]
fn acs_reason_names_the_bit_and_the_fix() {
    let mut t = all_topology();
    set_acs(&mut t, "0a:01.0", Acs::RR);
    let r = v(&t, "0b:00.0", "0c:00.0", &policy(QEMU64));
    assert_eq!(
        r.reason().to_string(),
        "ACS P2P Request Redirect set on 0000:0a:01.0; host bridge 8086:29c0 is not allowed; \
         boot with pci=disable_acs_redir=0000:0a:01.0 to allow P2P"
    );
    set_acs(&mut t, "0a:00.0", Acs::CR | Acs::EC);
    let r = v(&t, "0b:00.0", "0c:00.0", &policy(QEMU64));
    assert!(r.reason().to_string().starts_with(
        "ACS redirect set on 0000:0a:00.0 (P2P Completion Redirect and P2P Egress Control), \
         0000:0a:01.0 (P2P Request Redirect)"
    ));
}

#[test]
fn causes_and_fixes_for_programs() {
    let mut t = all_topology();
    let pol = policy(QEMU64);
    let fix = |r: &Verdict| r.fix().map(|f| f.to_string());
    let same = v(&t, "0b:00.0", "0b:00.0", &pol);
    assert_eq!((same.cause(), fix(&same)), ("same_function", None));
    let common = v(&t, "0b:00.0", "0c:00.0", &pol);
    assert_eq!(
        (common.cause(), fix(&common)),
        ("common_upstream_bridge", None)
    );
    assert_eq!(common.host_bridge, None);

    let ports = v(&t, "07:00.0", "08:00.0", &pol);
    assert_eq!(ports.cause(), "no_common_upstream_bridge");
    assert_eq!(ports.host_bridge.map(|d| d.code()), Some("not_allowed"));
    assert_eq!(
        fix(&ports).as_deref(),
        Some("echo 8086:29c0 > /sys/class/p2pmem/host_bridge_allow")
    );
    let zen = v(&t, "07:00.0", "08:00.0", &policy(EPYC));
    assert_eq!(zen.host_bridge.map(|d| d.code()), Some("allowed_by_cpu"));
    assert_eq!(fix(&zen), None);

    set_acs(&mut t, "0a:01.0", Acs::RR);
    let acs = v(&t, "0b:00.0", "0c:00.0", &pol);
    assert_eq!(acs.cause(), "acs_redirect");
    assert_eq!(
        fix(&acs).as_deref(),
        Some("boot with pci=disable_acs_redir=0000:0a:01.0")
    );
    // The reason names the same fix.
    assert!(acs.reason().to_string().contains(&fix(&acs).unwrap()));
    assert!(ports.reason().to_string().contains(&fix(&ports).unwrap()));
    // Through an allowed host bridge nothing needs fixing.
    let runtime = [AllowEntry::any(Q35_HOST)];
    let allowed = HostBridgePolicy {
        runtime: &runtime,
        ..policy(QEMU64)
    };
    let through = v(&t, "0b:00.0", "0c:00.0", &allowed);
    assert_eq!(through.map_type, MapType::ThruHostBridge);
    assert_eq!((through.cause(), fix(&through)), ("acs_redirect", None));
    assert_eq!(through.host_bridge.map(|d| d.code()), Some("allowed"));
}

#[test]
fn acs_bits_that_do_not_redirect_are_ignored() {
    let mut t = all_topology();
    set_acs(&mut t, "0a:00.0", Acs::SV | Acs::TB | Acs::UF | Acs::DT);
    assert_eq!(
        v(&t, "0b:00.0", "0c:00.0", &policy(QEMU64)).map_type,
        MapType::BusAddr
    );
}

#[test]
fn acs_on_the_common_bridge_counts_as_in_tree() {
    // Two functions below rp30: RR on the common bridge itself forces the host-bridge route.
    let mut t = all_topology();
    set_acs(&mut t, "00:16.0", Acs::RR);
    let r = v(&t, "0e:00.0", "0e:00.1", &policy(QEMU64));
    assert_eq!((r.map_type, r.distance), (MapType::NotSupported, 2));
    let r = v(&t, "0e:00.1", "0e:00.0", &policy(QEMU64));
    assert_eq!((r.map_type, r.distance), (MapType::NotSupported, 2));
}

#[test]
fn acs_above_the_common_bridge_does_not_count() {
    // RR on the root port above the ACS switch is outside the path between its endpoints.
    let mut t = all_topology();
    let rp20 = t.iter_mut().find(|n| n.addr == a("00:13.0")).unwrap();
    rp20.acs = Some(Acs {
        cap: 0x5f,
        ctrl: Acs::RR,
    });
    assert_eq!(
        v(&t, "0b:00.0", "0c:00.0", &policy(QEMU64)).map_type,
        MapType::BusAddr
    );
}

#[test]
fn same_host_bridge_only_entries() {
    // Two host bridges whose devices are Intel 3c00 (allowed only within one host bridge).
    let snb = PciId::new(0x8086, 0x3c00);
    let t = [
        node("00:00.0", snb, Endpoint, None),
        node("00:01.0", ROOT_PORT, RootPort, None),
        node("00:02.0", ROOT_PORT, RootPort, None),
        node("01:00.0", NVME, Endpoint, Some(1)),
        node("02:00.0", NVME, Endpoint, Some(2)),
        node("80:00.0", snb, Endpoint, None),
        node("80:01.0", ROOT_PORT, RootPort, None),
        node("81:00.0", NVME, Endpoint, Some(6)),
    ];
    let same = v(&t, "01:00.0", "02:00.0", &policy(INTEL));
    assert_eq!(same.map_type, MapType::ThruHostBridge);
    assert_eq!(same.host_bridge, Some(HostBridgeDecision::AllowedSame(snb)));
    let cross = v(&t, "01:00.0", "81:00.0", &policy(INTEL));
    assert_eq!(cross.map_type, MapType::NotSupported);
    assert_eq!(
        cross.host_bridge,
        Some(HostBridgeDecision::SameBridgeOnly(snb))
    );
    // A runtime entry is consulted first and can lift the restriction.
    let lift = [AllowEntry::any(snb)];
    let r = v(
        &t,
        "01:00.0",
        "81:00.0",
        &HostBridgePolicy {
            runtime: &lift,
            ..policy(INTEL)
        },
    );
    assert_eq!(r.map_type, MapType::ThruHostBridge);
}

#[test]
fn skylake_root_ports_identify_the_host_bridge_without_a_00_0_device() {
    // No device at 00.0: the first device on the root bus is a root port (8086:2030).
    let skx = PciId::new(0x8086, 0x2030);
    let t = [
        node("00:01.0", skx, RootPort, None),
        node("00:02.0", skx, RootPort, None),
        node("01:00.0", NVME, Endpoint, Some(0)),
        node("02:00.0", NVME, Endpoint, Some(1)),
    ];
    let r = v(&t, "01:00.0", "02:00.0", &policy(INTEL));
    assert_eq!(r.map_type, MapType::ThruHostBridge);
    // But a first device that is neither 00.0 nor a root port identifies nothing.
    let t = [
        node("00:01.0", NVME, Endpoint, None),
        node("00:02.0", ROOT_PORT, RootPort, None),
        node("00:03.0", ROOT_PORT, RootPort, None),
        node("01:00.0", NVME, Endpoint, Some(1)),
        node("02:00.0", NVME, Endpoint, Some(2)),
    ];
    let r = v(&t, "01:00.0", "02:00.0", &policy(INTEL));
    assert!(matches!(
        r.host_bridge,
        Some(HostBridgeDecision::Unidentified(_))
    ));
    assert_eq!(r.map_type, MapType::NotSupported);
    assert_eq!(HostBridge::device_of(None), None);
}

#[test]
fn google_entries_match_any_device() {
    let g = PciId::new(0x1ae0, 0x1234);
    let t = [
        node("00:00.0", g, Endpoint, None),
        node("00:01.0", ROOT_PORT, RootPort, None),
        node("00:02.0", ROOT_PORT, RootPort, None),
        node("01:00.0", NVME, Endpoint, Some(1)),
        node("02:00.0", NVME, Endpoint, Some(2)),
    ];
    assert_eq!(
        v(&t, "01:00.0", "02:00.0", &policy(INTEL)).map_type,
        MapType::ThruHostBridge
    );
}

#[test]
fn deep_switch_trees() {
    // rp -> up -> dp -> up -> dp -> ep (x2 at different depths)
    let t = [
        node("00:00.0", Q35_HOST, Endpoint, None),
        node("00:01.0", ROOT_PORT, RootPort, None),
        node("01:00.0", SW_UP, UpstreamPort, Some(1)),
        node("02:00.0", SW_DOWN, DownstreamPort, Some(2)),
        node("02:01.0", SW_DOWN, DownstreamPort, Some(2)),
        node("03:00.0", SW_UP, UpstreamPort, Some(3)),
        node("04:00.0", SW_DOWN, DownstreamPort, Some(5)),
        node("04:01.0", SW_DOWN, DownstreamPort, Some(5)),
        node("05:00.0", NVME, Endpoint, Some(6)),
        node("06:00.0", NVME, Endpoint, Some(7)),
        node("07:00.0", NVME, Endpoint, Some(4)),
    ];
    let pol = policy(QEMU64);
    assert_eq!(v(&t, "05:00.0", "06:00.0", &pol).distance, 4);
    let r = v(&t, "05:00.0", "07:00.0", &pol);
    assert_eq!((r.map_type, r.distance), (MapType::BusAddr, 6));
    assert_eq!(
        r.route,
        Route::Common {
            bridge: a("01:00.0")
        }
    );
}

#[test]
fn distance_many_sums_and_reports_the_first_refusal() {
    let t = all_topology();
    let pol = policy(QEMU64);
    let clients = [f(&t, "04:00.0"), f(&t, "06:00.0"), f(&t, "05:00.0")];
    assert_eq!(distance_many(&f(&t, "03:00.0"), clients, &pol), Ok(12));
    let mixed = [f(&t, "04:00.0"), f(&t, "07:00.0"), f(&t, "41:00.0")];
    let err = distance_many(&f(&t, "03:00.0"), mixed, &pol).unwrap_err();
    assert_eq!(err.0, 1);
    assert_eq!(err.1.map_type, MapType::NotSupported);
    assert_eq!(distance_many(&f(&t, "03:00.0"), [], &pol), Ok(0));
}

#[test]
fn find_closest_prefers_the_nearest_and_picks_evenly_among_ties() {
    let t = all_topology();
    let pol = policy(QEMU64);
    let providers = ["03:00.0", "05:00.0", "07:00.0"].map(|p| (a(p), f(&t, p)));
    // Client 04:00.0: 03:00.0 and 05:00.0 are both 4 away, 07:00.0 is unreachable.
    let clients = [f(&t, "04:00.0")];
    let mut counts = [0u32; 2];
    let mut seed = 12345u64;
    for _ in 0..2000 {
        let mut rand = |n: u32| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % u64::from(n)) as u32
        };
        let (p, d) = find_closest(providers, clients, &pol, &mut rand).unwrap();
        assert_eq!(d, 4);
        counts[usize::from(p == a("05:00.0"))] += 1;
    }
    assert!(
        counts[0] > 800 && counts[1] > 800,
        "uneven choice among ties: {counts:?}"
    );

    // The provider itself as a client makes it the closest (distance 0 + 4 beats 4 + 4).
    let clients = [f(&t, "04:00.0"), f(&t, "03:00.0")];
    let (p, d) = find_closest(providers, clients, &pol, &mut |_| 0).unwrap();
    assert_eq!((p, d), (a("03:00.0"), 4));

    // Nothing serves a client on another host bridge.
    let clients = [f(&t, "41:00.0")];
    assert!(find_closest(providers, clients, &pol, &mut |_| 0).is_none());
}

#[test]
fn bus_offsets_as_on_pseries() {
    // 32-bit window: CPU 0x2000_8000_0000 is bus 0x8000_0000 (2 GiB).
    let w32 = Window {
        cpu_start: 0x2000_8000_0000,
        bus_start: 0x8000_0000,
        len: 2 << 30,
    };
    assert_eq!(
        w32.bus_offset(),
        0x8000_0000u64.wrapping_sub(0x2000_8000_0000)
    );
    assert_eq!(w32.cpu_to_bus(0x2000_8010_0000, 4096), Some(0x8010_0000));
    assert_eq!(w32.bus_to_cpu(0x8010_0000, 4096), Some(0x2000_8010_0000));
    assert_eq!(w32.cpu_to_bus(0x2001_0000_0000, 1), None, "past the window");
    assert_eq!(
        w32.cpu_to_bus(0x2000_7fff_ffff, 2),
        None,
        "before the window"
    );
    assert_eq!(
        w32.cpu_to_bus(0x2001_0000_0000 - 4096, 4096),
        Some(0xffff_f000)
    );
    assert_eq!(
        w32.cpu_to_bus(0x2001_0000_0000 - 4096, 4097),
        None,
        "straddles the end"
    );
    // 64-bit window disabled, legacy layout: bus 0x1_0000_0000.
    let w64 = Window {
        cpu_start: 0x2100_0000_0000,
        bus_start: 0x1_0000_0000,
        len: 64 << 30,
    };
    assert_eq!(
        w64.cpu_to_bus(0x2100_0000_0000 + (1 << 20), 1 << 20),
        Some(0x1_0010_0000)
    );
    // Identity window (x86): offset 0.
    let id = Window {
        cpu_start: 0xe800_0000,
        bus_start: 0xe800_0000,
        len: 64 << 20,
    };
    assert_eq!(id.bus_offset(), 0);
    assert_eq!(id.cpu_to_bus(0xe800_1000, 4096), Some(0xe800_1000));
    // A positive offset.
    let up = Window {
        cpu_start: 0x1000,
        bus_start: 0x9000,
        len: 0x1000,
    };
    assert_eq!(up.cpu_to_bus(0x1800, 0x800), Some(0x9800));
    assert_eq!(up.cpu_to_bus(0x1800, 0x801), None);
}

#[test]
fn dma_masks() {
    assert!(dma_mask_reaches(u32::MAX.into(), 0x8000_0000, 0x8000_0000));
    assert!(!dma_mask_reaches(u32::MAX.into(), 0x8000_0000, 0x8000_0001));
    assert!(!dma_mask_reaches(u32::MAX.into(), 0x1_0000_0000, 1));
    assert!(dma_mask_reaches(u64::MAX, u64::MAX, 1));
    assert!(!dma_mask_reaches(u64::MAX, u64::MAX, 2));
    assert!(dma_mask_reaches((1 << 28) - 1, 0, 0));
}

#[test]
fn pci_ids_parse_and_print() {
    assert_eq!(PciId::parse("8086:29c0\n"), Some(Q35_HOST));
    assert_eq!(PciId::parse("1b36:c"), Some(ROOT_PORT));
    for bad in [
        "",
        "8086",
        "8086:",
        ":29c0",
        "8086:29c0:1",
        "808g:29c0",
        "18086:29c0",
    ] {
        assert_eq!(PciId::parse(bad), None, "{bad:?}");
    }
    assert_eq!(ROOT_PORT.to_string(), "1b36:000c");
}

/// Random trees below one or two host bridges, with random ACS bits.
fn random_topology(seed: &mut u64) -> Vec<Node> {
    let mut next = |n: u64| {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) % n
    };
    let mut nodes = vec![node("00:00.0", Q35_HOST, Endpoint, None)];
    if next(2) == 1 {
        nodes.push(node("80:00.0", ROOT_PORT, RootPort, None));
    }
    let count = 3 + next(20) as usize;
    let mut bus = 1u8;
    for i in 0..count {
        // Parent: a root bus (None) or an earlier bridge.
        let bridges: Vec<usize> = (0..nodes.len())
            .filter(|&j| nodes[j].port_type != Endpoint)
            .collect();
        let parent = if bridges.is_empty() || next(4) == 0 {
            None
        } else {
            Some(bridges[next(bridges.len() as u64) as usize])
        };
        let t = if next(2) == 0 {
            Endpoint
        } else {
            DownstreamPort
        };
        let root_bus = if next(2) == 0 { 0u8 } else { 0x80 };
        let b = match parent {
            None => root_bus,
            Some(_) => {
                bus = bus.wrapping_add(1);
                bus
            }
        };
        let addr = PciAddr::new(0, b, (i % 32) as u8, 0).unwrap();
        if nodes.iter().any(|n| n.addr == addr) {
            continue;
        }
        let mut n = Node::new(addr, NVME, t, parent);
        if next(3) == 0 {
            n.acs = Some(Acs {
                cap: 0x5f,
                ctrl: (next(128) as u16) & 0x7f,
            });
        }
        nodes.push(n);
    }
    nodes
}

#[test]
fn property_distance_is_symmetric_and_zero_only_for_the_same_function() {
    let mut seed = 0x5eed_u64;
    for cpu in [QEMU64, EPYC] {
        let pol = policy(cpu);
        for _ in 0..300 {
            let t = random_topology(&mut seed);
            for p in functions(&t) {
                for c in functions(&t) {
                    let pc = verdict(&p, &c, &pol);
                    let cp = verdict(&c, &p, &pol);
                    assert_eq!(
                        pc.distance,
                        cp.distance,
                        "{} <-> {}: {t:?}",
                        p.addr(),
                        c.addr()
                    );
                    assert_eq!(
                        pc.map_type,
                        cp.map_type,
                        "{} <-> {}: {t:?}",
                        p.addr(),
                        c.addr()
                    );
                    assert_eq!(pc.distance == 0, p.addr() == c.addr());
                    // Every verdict explains itself.
                    let reason: String = pc.reason().to_string();
                    assert!(!reason.is_empty());
                }
            }
        }
    }
}

#[test]
fn allowlist_changes_parse() {
    use crate::host_bridge::{parse_changes, AllowChange};
    let all: Vec<_> = parse_changes("8086:29c0,-1b36:000c\n 10de:2f95").collect();
    assert_eq!(
        all,
        [
            Ok(AllowChange::Add(Q35_HOST)),
            Ok(AllowChange::Remove(ROOT_PORT)),
            Ok(AllowChange::Add(PciId::new(0x10de, 0x2f95))),
        ]
    );
    assert_eq!(parse_changes("").count(), 0);
    assert_eq!(parse_changes(" ,\n").count(), 0);
    let bad: Vec<_> = parse_changes("8086:29c0 nonsense -x:1").collect();
    assert_eq!(bad[1], Err("nonsense"));
    assert_eq!(bad[2], Err("-x:1"));
    assert_eq!(
        parse_changes("--8086:29c0").next(),
        Some(Err("--8086:29c0"))
    );
}

#[test]
fn segment_plans_apply_the_bus_offset_and_refuse_beyond_the_mask() {
    // pseries 32-bit window: CPU 0x2000_8000_0000 is bus 0x8000_0000.
    let w32 = Window {
        cpu_start: 0x2000_8000_0000,
        bus_start: 0x8000_0000,
        len: 2 << 30,
    };
    let off = w32.bus_offset();
    let m32 = u32::MAX.into();
    assert_eq!(
        plan_segment(MapType::BusAddr, 0x2000_8000_1000, 4096, off, m32),
        Ok(SegmentPlan::Bus(0x8000_1000))
    );
    // The last page of the window still fits a 32-bit mask; one byte more does not.
    assert_eq!(
        plan_segment(MapType::BusAddr, 0x2000_ffff_f000, 4096, off, m32),
        Ok(SegmentPlan::Bus(0xffff_f000))
    );
    assert_eq!(
        plan_segment(MapType::BusAddr, 0x2000_ffff_f000, 4097, off, m32),
        Err(PlanError::BeyondMask {
            first: 0xffff_f000,
            last: 0x1_0000_0000,
            mask: m32
        })
    );
    // 64-bit window: CPU 0x2100_0000_0000 is bus 0x100_0000_0000; a 32-bit client is refused,
    // a 64-bit one gets the bus address.
    let w64 = Window {
        cpu_start: 0x2100_0000_0000,
        bus_start: 0x100_0000_0000,
        len: 64 << 30,
    };
    let cpu = 0x2100_0020_0000;
    assert!(matches!(
        plan_segment(MapType::BusAddr, cpu, 8192, w64.bus_offset(), m32),
        Err(PlanError::BeyondMask { .. })
    ));
    assert_eq!(
        plan_segment(MapType::BusAddr, cpu, 8192, w64.bus_offset(), u64::MAX),
        Ok(SegmentPlan::Bus(0x100_0020_0000))
    );
    // A positive offset (bus above CPU) works the same way.
    assert_eq!(
        plan_segment(
            MapType::BusAddr,
            0xf000_0000,
            4096,
            0x10_0000_0000,
            u64::MAX
        ),
        Ok(SegmentPlan::Bus(0x10_f000_0000))
    );
    // Routes other than BUS_ADDR do not compute a bus address.
    assert_eq!(
        plan_segment(MapType::ThruHostBridge, cpu, 4096, w64.bus_offset(), m32),
        Ok(SegmentPlan::HostBridge)
    );
    assert_eq!(
        plan_segment(MapType::NotSupported, cpu, 4096, 0, u64::MAX),
        Err(PlanError::NotSupported)
    );
    assert_eq!(
        plan_segment(MapType::BusAddr, u64::MAX - 10, 4096, 0, u64::MAX),
        Err(PlanError::Overflow)
    );
    assert_eq!(
        plan_segment(MapType::BusAddr, 0x1000, 0, 0, u64::MAX),
        Err(PlanError::Overflow)
    );
}

#[test]
fn bus_segments_merge_only_when_contiguous_and_within_limits() {
    let max = 64 << 10;
    let b = u64::from(u32::MAX);
    assert!(merges(0x8000_0000, 4096, 0x8000_1000, 4096, max, b));
    // A gap, an overlap, or a segment before the previous one.
    assert!(!merges(0x8000_0000, 4096, 0x8000_2000, 4096, max, b));
    assert!(!merges(0x8000_0000, 4096, 0x8000_0800, 4096, max, b));
    assert!(!merges(0x8000_1000, 4096, 0x8000_0000, 4096, max, b));
    // The merged entry would exceed the maximum segment size.
    assert!(!merges(0x8000_0000, max, 0x8000_0000 + max, 4096, max, b));
    // Or cross the segment boundary (here 64 KiB windows).
    assert!(!merges(0x8000_f000, 4096, 0x8001_0000, 4096, max, 0xffff));
    assert!(merges(0x8000_e000, 4096, 0x8000_f000, 4096, max, 0xffff));
    // Never across the top of the address space.
    assert!(!merges(u64::MAX - 4095, 4096, 0, 4096, max, u64::MAX));
}

#[test]
fn cached_verdicts_round_trip() {
    let p = PciAddr::new(0x1234, 0x05, 0x1f, 7).unwrap();
    let c = PciAddr::new(0, 0x40, 0, 1).unwrap();
    let k = key(p, c);
    assert_eq!(pair(k), (p, c));
    assert_ne!(key(p, c), key(c, p));
    for map_type in [
        MapType::BusAddr,
        MapType::ThruHostBridge,
        MapType::NotSupported,
    ] {
        for distance in [0, 4, 255, u32::MAX] {
            let v = Cached { map_type, distance };
            let e = v.encode();
            // An xarray value entry holds at most 62 bits.
            assert!(e < 1 << 62);
            assert_eq!(Cached::decode(e), Some(v));
        }
    }
    assert_eq!(Cached::decode(0), None);
    assert_eq!(Cached::decode(1 << 40 | 1), None);
}

#[test]
fn verdicts_drive_segment_plans_on_the_vm_topologies() {
    let t = all_topology();
    let pol = policy(QEMU64);
    // Switch: BUS_ADDR; the CMB's bus address is its CPU address on x86.
    let v = verdict(&f(&t, "03:00.0"), &f(&t, "04:00.0"), &pol);
    assert_eq!(
        plan_segment(v.map_type, 0xfe00_0000, 4096, 0, u64::MAX),
        Ok(SegmentPlan::Bus(0xfe00_0000))
    );
    // Another host bridge: the whole mapping fails.
    let v = verdict(&f(&t, "03:00.0"), &f(&t, "41:00.0"), &pol);
    assert_eq!(
        plan_segment(v.map_type, 0xfe00_0000, 4096, 0, u64::MAX),
        Err(PlanError::NotSupported)
    );
}

fn dma_facts() -> DmaApiFacts {
    DmaApiFacts {
        bus_offset: 0,
        bus_start: 0xf000_0000,
        len: 0x40_0000,
        dma_mask: u64::MAX,
        iommu_translates: false,
        force_bounce: false,
    }
}

#[test]
fn behind_one_switch_the_dma_api_gives_correct_p2p_addresses() {
    let t = all_topology();
    let (p, c) = (f(&t, "03:00.0"), f(&t, "04:00.0"));
    let v = dma_api_check(&p, &c, &policy(INTEL), &dma_facts()).unwrap();
    assert_eq!((v.map_type, v.distance), (MapType::BusAddr, 4));
}

#[test]
fn dma_api_refusals_each_on_its_own() {
    let t = all_topology();
    let (p, c) = (f(&t, "03:00.0"), f(&t, "04:00.0"));
    let pol = policy(INTEL);
    let check = |facts: DmaApiFacts| dma_api_check(&p, &c, &pol, &facts);

    let r = check(DmaApiFacts {
        bus_offset: 0x1000_0000_0000,
        ..dma_facts()
    });
    assert_eq!(r, Err(DmaApiRefusal::BusOffset(0x1000_0000_0000)));
    assert_eq!(
        r.unwrap_err().to_string(),
        "the host bridge has a bus offset of 0x100000000000, which the client's DMA mapping \
         would not apply"
    );
    let r = check(DmaApiFacts {
        force_bounce: true,
        ..dma_facts()
    });
    assert_eq!(r, Err(DmaApiRefusal::Bounced));
    // The last byte, 0xf03f_ffff, is beyond a 31-bit mask and within a 32-bit one.
    let r = check(DmaApiFacts {
        dma_mask: 0x7fff_ffff,
        ..dma_facts()
    });
    assert_eq!(
        r,
        Err(DmaApiRefusal::Mask {
            mask: 0x7fff_ffff,
            last: 0xf03f_ffff
        })
    );
    assert!(check(DmaApiFacts {
        dma_mask: 0xffff_ffff,
        ..dma_facts()
    })
    .is_ok());
}

#[test]
fn a_translating_iommu_needs_the_host_bridge_route_even_behind_a_switch() {
    let t = all_topology();
    let (p, c) = (f(&t, "03:00.0"), f(&t, "04:00.0"));
    let facts = DmaApiFacts {
        iommu_translates: true,
        ..dma_facts()
    };
    let r = dma_api_check(&p, &c, &policy(INTEL), &facts);
    assert_eq!(
        r,
        Err(DmaApiRefusal::Iommu(HostBridgeDecision::NotAllowed(
            Q35_HOST
        )))
    );
    assert_eq!(
        r.unwrap_err().to_string(),
        "an IOMMU translates the client's DMA, so it reaches the memory through the host \
         bridge, and host bridge 8086:29c0 is not allowed"
    );
    let runtime = [AllowEntry::any(Q35_HOST)];
    let allowed = HostBridgePolicy {
        runtime: &runtime,
        ..policy(INTEL)
    };
    assert!(dma_api_check(&p, &c, &allowed, &facts).is_ok());
    // A Zen CPU routes through its host bridges.
    assert!(dma_api_check(&p, &c, &policy(EPYC), &facts).is_ok());
}

#[test]
fn only_a_paging_iommu_domain_translates() {
    // The IOMMU_DOMAIN_* values of include/linux/iommu.h.
    let (paging, dma_api, pt, fq, sva, platform, nested) =
        (1u32, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6);
    assert!(!iommu_translates(None));
    assert!(!iommu_translates(Some(0))); // blocked
    assert!(!iommu_translates(Some(pt))); // identity
    assert!(iommu_translates(Some(paging))); // unmanaged
    assert!(iommu_translates(Some(paging | dma_api))); // DMA
    assert!(iommu_translates(Some(paging | dma_api | fq))); // DMA_FQ
    assert!(!iommu_translates(Some(sva)));
    assert!(!iommu_translates(Some(platform)));
    assert!(!iommu_translates(Some(nested)));
}

#[test]
fn dma_api_check_reports_an_impossible_verdict_first() {
    let t = all_topology();
    let (p, c) = (f(&t, "07:00.0"), f(&t, "08:00.0"));
    let facts = DmaApiFacts {
        bus_offset: 0x1000,
        ..dma_facts()
    };
    let r = dma_api_check(&p, &c, &policy(INTEL), &facts);
    let Err(e @ DmaApiRefusal::NotSupported(v)) = r else {
        panic!("{r:?}");
    };
    assert_eq!(v.map_type, MapType::NotSupported);
    assert!(e
        .to_string()
        .starts_with("P2P is not possible: no common upstream bridge and host bridge 8086:29c0"));
}

#[test]
fn pin_clients_are_functions_with_block_net_or_rdma_devices() {
    for c in ["block", "net", "infiniband"] {
        assert!(user_dma_class(c), "{c}");
    }
    // virtme-ng's 9p and console, NVMe controllers and their char devices, and tty.
    for c in [
        "virtio-ports",
        "tty",
        "nvme",
        "nvme-generic",
        "pci_bus",
        "infiniband_verbs",
        "",
    ] {
        assert!(!user_dma_class(c), "{c}");
    }
    let all = FunctionState {
        bus_master: true,
        bound: true,
        user_dma_below: true,
    };
    assert!(is_client(all));
    for s in [
        FunctionState {
            bus_master: false,
            ..all
        },
        FunctionState {
            bound: false,
            ..all
        },
        FunctionState {
            user_dma_below: false,
            ..all
        },
    ] {
        assert!(!is_client(s), "{s:?}");
    }
}

#[test]
fn pinning_is_refused_for_a_client_under_another_root_port() {
    let t = all_topology();
    let (p, c) = (f(&t, "07:00.0"), f(&t, "08:00.0"));
    let r = client_refusal(&p, &c, &policy(INTEL), false, PinOptIns::default());
    let Some(e @ DmaApiRefusal::NotSupported(v)) = r else {
        panic!("{r:?}");
    };
    assert_eq!(v.map_type, MapType::NotSupported);
    assert_eq!(
        e.to_string(),
        "P2P is not possible: no common upstream bridge and host bridge 8086:29c0 is not \
         allowed; if it routes P2P, allow it: echo 8086:29c0 > \
         /sys/class/p2pmem/host_bridge_allow"
    );
    // The provider's own function, and the opt-in.
    assert_eq!(
        client_refusal(&p, &p, &policy(INTEL), false, PinOptIns::default()),
        None
    );
    let opt = PinOptIns {
        any_client: true,
        ..PinOptIns::default()
    };
    assert!(!opt.checks_clients());
    assert_eq!(client_refusal(&p, &c, &policy(INTEL), true, opt), None);
    // Allowing the host bridge, or a Zen CPU, makes the route possible.
    let runtime = [AllowEntry::any(Q35_HOST)];
    let allowed = HostBridgePolicy {
        runtime: &runtime,
        ..policy(INTEL)
    };
    assert_eq!(
        client_refusal(&p, &c, &allowed, false, PinOptIns::default()),
        None
    );
    assert_eq!(
        client_refusal(&p, &c, &policy(EPYC), false, PinOptIns::default()),
        None
    );
}

#[test]
fn pinning_behind_one_switch_is_allowed_unless_an_iommu_needs_the_host_bridge() {
    let t = all_topology();
    let shm = f(&t, "05:00.0");
    let none = PinOptIns::default();
    for c in ["03:00.0", "04:00.0", "05:00.0", "06:00.0"] {
        assert_eq!(
            client_refusal(&shm, &f(&t, c), &policy(INTEL), false, none),
            None,
            "{c}"
        );
    }
    let c = f(&t, "03:00.0");
    assert_eq!(
        client_refusal(&shm, &c, &policy(INTEL), true, none),
        Some(DmaApiRefusal::Iommu(HostBridgeDecision::NotAllowed(
            Q35_HOST
        )))
    );
    let through = PinOptIns {
        through_iommu: true,
        ..none
    };
    assert_eq!(
        client_refusal(&shm, &c, &policy(INTEL), true, through),
        None
    );
    assert_eq!(client_refusal(&shm, &c, &policy(EPYC), true, none), None);
    // The IOMMU rule is dma_api::check's.
    let facts = DmaApiFacts {
        iommu_translates: true,
        ..dma_facts()
    };
    assert_eq!(
        client_refusal(&shm, &c, &policy(INTEL), true, none),
        dma_api_check(&shm, &c, &policy(INTEL), &facts).err()
    );
}

#[test]
fn in_the_all_topology_the_first_client_refusing_the_ivshmem_is_the_first_rootports_nvme() {
    let t = all_topology();
    let shm = f(&t, "05:00.0");
    let first = functions(&t)
        .filter(|c| c.id() == NVME)
        .find(|c| client_refusal(&shm, c, &policy(INTEL), false, PinOptIns::default()).is_some())
        .map(|c| c.addr());
    assert_eq!(first, Some(a("07:00.0")));
}

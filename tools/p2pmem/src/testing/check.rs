// SPDX-License-Identifier: GPL-2.0

//! `p2pmem check` on fake trees: the VM's switch and root ports, a PLX switch with ACS, the
//! allowlist and the CPU rule, non-root reads, errors, JSON and the module's query file.

use p2pmem_policy::topology::Acs;

use super::{fake::*, run_on, run_with};
use crate::query::{
    tests::{
        Fake,
        SWITCH_03_04, //
    },
    AskError,
};

#[test]
fn switch_siblings_are_bus_addr_at_four() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.out,
        "0000:03:00.0 -> 0000:04:00.0: BUS_ADDR, distance 4\n\
         \x20 common upstream bridge 0000:01:00.0, no ACS redirect on the path\n\
         total distance: 4 (computed from sysfs)\n"
    );
    assert_eq!(r.err, "");
}

#[test]
fn several_clients_sum_their_distances() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(
        &sys,
        &[
            "check",
            "0000:05:00.0",
            "03:00.0",
            "04:00.0",
            "06:00.0",
            "05:00.0",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json_or_text_total();
    assert_eq!(j, 12);
    let r = run_on(&sys, &["--json", "check", "05:00.0", "03:00.0", "05:00.0"]);
    let j = r.json();
    assert_eq!(j["total_distance"], 4);
    assert_eq!(j["clients"][1]["map_type"], "BUS_ADDR");
    assert_eq!(j["clients"][1]["distance"], 0);
    assert_eq!(
        j["clients"][1]["reason"],
        "provider and client are the same function"
    );
}

impl super::Ran {
    /// The total distance from the text output's last line.
    fn json_or_text_total(&self) -> i64 {
        let last = self.out.lines().last().unwrap();
        let n = last
            .strip_prefix("total distance: ")
            .and_then(|s| s.split(' ').next())
            .unwrap();
        n.parse().unwrap()
    }
}

fn intel(sys: &FakeSys) {
    sys.set_cpu("GenuineIntel", 6);
}

#[test]
fn plx_ports_with_request_redirect_are_not_supported() {
    let sys = FakeSys::with(&plx_workstation());
    intel(&sys);
    let r = run_on(&sys, &["--json", "check", "03:00.0", "04:00.0"]);
    assert_eq!(r.code, 1, "{r:?}");
    let j = r.json();
    let c = &j["clients"][0];
    assert_eq!(c["map_type"], "NOT_SUPPORTED");
    assert_eq!(c["distance"], 4);
    assert_eq!(
        c["reason"],
        "ACS redirect set on 0000:02:08.0 (P2P Request Redirect and P2P Completion Redirect), \
         0000:02:10.0 (P2P Request Redirect and P2P Completion Redirect); host bridge 8086:3e30 \
         is not allowed; boot with pci=disable_acs_redir=0000:02:08.0;0000:02:10.0 to allow P2P"
    );
    assert_eq!(c["cause"], "acs_redirect");
    assert_eq!(c["host_bridge"], "not_allowed");
    assert_eq!(
        c["fix"],
        "boot with pci=disable_acs_redir=0000:02:08.0;0000:02:10.0"
    );
    assert_eq!(j["total_distance"], serde_json::Value::Null);
    assert_eq!(j["p2p"], false);

    // One port still redirecting: it alone is named.
    sys.set_acs_ctrl("02:08.0", Acs::SV | Acs::UF);
    let r = run_on(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(r.code, 1);
    assert!(
        r.out.contains(
            "ACS P2P Request Redirect and P2P Completion Redirect set on 0000:02:10.0; host \
             bridge 8086:3e30 is not allowed; boot with pci=disable_acs_redir=0000:02:10.0 to \
             allow P2P"
        ),
        "{}",
        r.out
    );
    assert!(r
        .out
        .ends_with("total distance: -1 (computed from sysfs)\n"));

    // Redirect cleared (pci=disable_acs_redir=): the switch routes it.
    sys.set_acs_ctrl("02:10.0", Acs::SV | Acs::UF);
    let r = run_on(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.out.starts_with(
        "0000:03:00.0 -> 0000:04:00.0: BUS_ADDR, distance 4\n  common upstream bridge \
         0000:01:00.0, no ACS redirect on the path\n"
    ));
}

#[test]
fn plx_functions_of_one_device_below_a_redirecting_port() {
    // The common bridge of the GPU's two functions is their downstream port, and its
    // redirect counts (as in-tree).
    let sys = FakeSys::with(&plx_workstation());
    intel(&sys);
    let r = run_on(&sys, &["--json", "check", "04:00.0", "04:00.1"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["clients"][0]["distance"], 2);
    // An AMD Zen CPU routes it through the host bridge.
    sys.set_cpu("AuthenticAMD", 25);
    let r = run_on(&sys, &["--json", "check", "04:00.0", "04:00.1", "03:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["clients"][0]["map_type"], "THRU_HOST_BRIDGE");
    assert_eq!(j["clients"][1]["map_type"], "THRU_HOST_BRIDGE");
    assert_eq!(j["total_distance"], 6);
}

#[test]
fn root_ports_of_an_unlisted_host_bridge_until_allowed() {
    let sys = FakeSys::with(&q35_rootports());
    let r = run_on(&sys, &["check", "07:00.0", "08:00.0"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.out,
        "0000:07:00.0 -> 0000:08:00.0: NOT_SUPPORTED, distance 4\n  no common upstream bridge \
         and host bridge 8086:29c0 is not allowed; if it routes P2P, allow it: echo 8086:29c0 \
         > /sys/class/p2pmem/host_bridge_allow\ntotal distance: -1 (computed from sysfs)\n"
    );

    // The module loaded, with only built-in entries: still not allowed.
    let builtin: String = crate::hostbridge::builtin_listing()
        .iter()
        .map(|l| format!("{} builtin\n", l.id_text()))
        .collect();
    sys.class_file("host_bridge_allow", &builtin);
    let r = run_on(&sys, &["check", "07:00.0", "08:00.0"]);
    assert_eq!(r.code, 1, "{r:?}");

    // Allowed at run time.
    sys.class_file("host_bridge_allow", &format!("8086:29c0\n{builtin}"));
    let r = run_on(&sys, &["--json", "check", "07:00.0", "08:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    let c = &r.json()["clients"][0];
    assert_eq!(c["map_type"], "THRU_HOST_BRIDGE");
    assert_eq!(c["distance"], 4);
    assert_eq!(
        c["reason"],
        "no common upstream bridge; host bridge 8086:29c0 is allowed"
    );
}

#[test]
fn vmd_domains_are_not_domain_zero() {
    let sys = FakeSys::with(&vmd_domains());
    let r = run_on(&sys, &["check", "0000:00:01.0", "10000:00:01.0"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.out,
        "0000:00:01.0 -> 10000:00:01.0: NOT_SUPPORTED, distance 2\n  no common upstream bridge \
         and host bridge 8086:29c0 is not allowed; if it routes P2P, allow it: echo 8086:29c0 \
         > /sys/class/p2pmem/host_bridge_allow\ntotal distance: -1 (computed from sysfs)\n"
    );

    // Two host bridges: allowing q35's is not enough.
    sys.class_file("host_bridge_allow", "8086:29c0\n");
    let r = run_on(&sys, &["--json", "check", "10000:00:01.0", "00:01.0"]);
    assert_eq!(r.code, 1, "{r:?}");
    let j = r.json();
    assert_eq!(j["provider"], "10000:00:01.0");
    assert_eq!(
        j["clients"][0]["reason"],
        "no common upstream bridge and host bridge 1b36:000c is not allowed; if it routes P2P, \
         allow it: echo 1b36:000c > /sys/class/p2pmem/host_bridge_allow"
    );

    sys.class_file("host_bridge_allow", "8086:29c0\n1b36:000c\n");
    let r = run_on(&sys, &["--json", "check", "10000:00:01.0", "00:01.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["clients"][0]["map_type"], "THRU_HOST_BRIDGE");
}

#[test]
fn an_amd_zen_cpu_routes_through_any_host_bridge() {
    let sys = FakeSys::with(&q35_rootports());
    sys.set_cpu("AuthenticAMD", 23);
    let r = run_on(&sys, &["check", "07:00.0", "08:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.out.contains(
        "THRU_HOST_BRIDGE, distance 4\n  no common upstream bridge; the AMD CPU (family 0x17, \
         Zen or newer) routes P2P through its host bridges"
    ));
}

#[test]
fn non_root_config_reads_cannot_decide() {
    let sys = FakeSys::with(&q35_switch());
    // A function off the path does not matter.
    sys.truncate_config("05:00.0", 64);
    let r = run_on(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");

    // A port on the path does.
    sys.truncate_config("02:01.0", 64);
    for args in [
        &["check", "03:00.0", "04:00.0"][..],
        &["--json", "check", "03:00.0", "04:00.0"],
        &["check", "04:00.0", "03:00.0"],
        &["check", "03:00.0", "06:00.0", "04:00.0"],
    ] {
        let r = run_on(&sys, args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert_eq!(r.out, "", "{args:?}");
        assert_eq!(
            r.err,
            "p2pmem: cannot decide (need root): the config space of 0000:02:01.0 reads as only 64 \
             bytes, so its capabilities (PCIe port type, ACS) cannot be seen; run as \
             root\n",
            "{args:?}"
        );
    }
    // Never "possible" either when everything on the path is unreadable.
    let sys = FakeSys::with(&q35_switch());
    for d in q35_switch() {
        sys.truncate_config(d.addr, 64);
    }
    let r = run_on(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.err.contains("cannot decide (need root)"), "{}", r.err);
}

#[test]
fn unknown_functions_and_bad_addresses_are_errors() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(&sys, &["check", "03:00.0", "07:00.0"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.out, "");
    assert_eq!(r.err, "p2pmem: 0000:07:00.0: no such PCI function\n");
    let r = run_on(&sys, &["check", "0001:03:00.0", "03:00.0"]);
    assert_eq!(r.err, "p2pmem: 0001:03:00.0: no such PCI function\n");

    let r = run_on(&sys, &["check", "03:00.0", "nvme0"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("invalid value 'nvme0'"), "{}", r.err);
    let r = run_on(&sys, &["check", "03:00.0"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("<CLIENT>..."), "{}", r.err);
}

#[test]
fn json_fields_are_the_documented_ones() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(&sys, &["check", "--json", "03:00.0", "04:00.0"]);
    let j = r.json();
    let mut keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["clients", "p2p", "provider", "source", "total_distance"]
    );
    let c = &j["clients"][0];
    let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "cached_distance",
            "cached_map_type",
            "cause",
            "client",
            "distance",
            "fix",
            "host_bridge",
            "map_type",
            "reason"
        ]
    );
    assert_eq!(c["cause"], "common_upstream_bridge");
    assert!(c["host_bridge"].is_null() && c["fix"].is_null());
    assert_eq!(j["provider"], "0000:03:00.0");
    assert_eq!(j["source"], "computed");
    assert_eq!(j["p2p"], true);
    assert_eq!(c["client"], "0000:04:00.0");
    assert!(c["cached_map_type"].is_null());
}

#[test]
fn the_module_answers_when_it_can() {
    let sys = FakeSys::with(&q35_switch());
    let mut t = Fake {
        answer: |_, _| {
            Ok(SWITCH_03_04.replace("cached_map_type=BUS_ADDR", "cached_map_type=NOT_SUPPORTED"))
        },
        asked: 0,
    };
    let r = run_with(&sys, &["--json", "check", "03:00.0", "04:00.0"], &mut t);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(t.asked, 1);
    let j = r.json();
    assert_eq!(j["source"], "module");
    assert_eq!(j["clients"][0]["map_type"], "BUS_ADDR");
    assert_eq!(j["clients"][0]["cached_map_type"], "NOT_SUPPORTED");
    assert_eq!(j["clients"][0]["cached_distance"], 4);

    let r = run_with(&sys, &["check", "03:00.0", "04:00.0"], &mut t);
    assert!(r.out.contains(
        "  in-kernel users still get the cached NOT_SUPPORTED, distance 4; to make them \
         recompute it: p2pmem flush\ntotal distance: 4 (from the module)\n"
    ));

    // --compute leaves the module alone.
    let r = run_with(
        &sys,
        &["--json", "check", "--compute", "03:00.0", "04:00.0"],
        &mut t,
    );
    assert_eq!(t.asked, 2);
    assert_eq!(r.json()["source"], "computed");

    // The module's verdict is reported as it is, NOT_SUPPORTED included.
    let mut t = Fake {
        answer: |p, c| {
            Ok(format!(
                "provider={p}\nclient={c}\nmap_type=NOT_SUPPORTED\ndistance=4\nreason=ACS ...\n\
                 cached_map_type=none\ncached_distance=none\n"
            ))
        },
        asked: 0,
    };
    let r = run_with(
        &sys,
        &["--json", "check", "03:00.0", "04:00.0", "05:00.0"],
        &mut t,
    );
    assert_eq!(r.code, 1);
    assert_eq!(t.asked, 2);
    let j = r.json();
    assert_eq!(j["clients"][1]["client"], "0000:05:00.0");
    assert_eq!(j["total_distance"], serde_json::Value::Null);
    assert!(j["clients"][1]["cached_map_type"].is_null());
}

#[test]
fn an_unusable_query_file_means_computing_and_a_refusal_is_an_error() {
    let sys = FakeSys::with(&q35_switch());
    let mut t = Fake {
        answer: |_, _| Err(AskError::Unavailable("permission denied".into())),
        asked: 0,
    };
    let r = run_with(&sys, &["--json", "check", "03:00.0", "04:00.0"], &mut t);
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["source"], "computed");

    let mut t = Fake {
        answer: |_, _| {
            Err(AskError::Failed(
                "/sys/kernel/debug/p2pmem/query: No such device (ENODEV)".into(),
            ))
        },
        asked: 0,
    };
    let r = run_with(&sys, &["check", "03:00.0", "04:00.0"], &mut t);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "p2pmem: 0000:03:00.0 -> 0000:04:00.0: /sys/kernel/debug/p2pmem/query: No such device \
         (ENODEV)\n"
    );
}

// SPDX-License-Identifier: GPL-2.0

//! `p2pmem topo` on fake trees.

use p2pmem_policy::topology::Acs;

use super::{fake::*, run_on};

#[test]
fn the_switch_tree_with_acs_and_providers() {
    let sys = FakeSys::with(&q35_switch());
    sys.add_provider(0, "05:00.0", 2, 64 << 20, 64 << 20);
    sys.add_provider(1, "03:00.0", 2, 64 << 20, 64 << 20);
    sys.set_acs_ctrl("00:10.0", Acs::RR | Acs::SV);
    let r = run_on(&sys, &["topo"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.out,
        "root bus 0000:00 (host bridge 8086:29c0)
+- 0000:00:00.0 8086:29c0 pci
+- 0000:00:10.0 1b36:000c root port, ACS cap 0x001f ctrl 0x0005 (redirect: RR)
|  `- 0000:01:00.0 104c:8232 upstream port
|     +- 0000:02:00.0 104c:8233 downstream port
|     |  `- 0000:03:00.0 1b36:0010 endpoint [p2pmem1]
|     +- 0000:02:01.0 104c:8233 downstream port
|     |  `- 0000:04:00.0 1b36:0010 endpoint
|     +- 0000:02:02.0 104c:8233 downstream port
|     |  `- 0000:05:00.0 1af4:1110 pci [p2pmem0]
|     `- 0000:02:03.0 104c:8233 downstream port
|        `- 0000:06:00.0 1234:11e8 pci
`- 0000:00:1f.0 8086:2918 pci
"
    );
}

#[test]
fn json_tree() {
    let sys = FakeSys::with(&plx_workstation());
    sys.add_provider(0, "04:00.0", 1, 256 << 20, 256 << 20);
    let r = run_on(&sys, &["--json", "topo"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j.as_object().unwrap().len(), 1);
    let bus = &j["root_buses"][0];
    assert_eq!(bus["root_bus"], "0000:00");
    assert_eq!(bus["host_bridge"], "8086:3e30");
    let rp = &bus["functions"][1];
    let mut keys: Vec<&str> = rp.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "acs",
            "acs_known",
            "address",
            "children",
            "id",
            "port_type",
            "providers"
        ]
    );
    assert_eq!(rp["address"], "0000:00:01.0");
    assert_eq!(rp["port_type"], "root_port");
    assert!(rp["acs"].is_null());
    let up = &rp["children"][0];
    assert_eq!(up["id"], "10b5:8747");
    assert_eq!(up["port_type"], "upstream_port");
    let down = &up["children"][1];
    assert_eq!(down["address"], "0000:02:10.0");
    assert_eq!(down["port_type"], "downstream_port");
    assert_eq!(
        down["acs"],
        serde_json::json!({ "cap": 0x5f, "ctrl": ACS_ISOLATED, "redirect": ["RR", "CR"] })
    );
    let gpu = &down["children"][0];
    assert_eq!(gpu["address"], "0000:04:00.0");
    assert_eq!(gpu["providers"], serde_json::json!(["p2pmem0"]));
    assert_eq!(down["children"][1]["address"], "0000:04:00.1");
    assert_eq!(gpu["children"], serde_json::json!([]));
}

#[test]
fn root_buses_of_several_host_bridges() {
    let sys = FakeSys::with(&all());
    let r = run_on(&sys, &["--json", "topo"]);
    let j = r.json();
    let buses: Vec<(&str, &str)> = j["root_buses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["root_bus"].as_str().unwrap(),
                b["host_bridge"].as_str().unwrap(),
            )
        })
        .collect();
    // pxb-pcie's root bus is identified by its first root port, as in-tree.
    assert_eq!(buses, [("0000:00", "8086:29c0"), ("0000:40", "1b36:000c")]);
    assert_eq!(
        j["root_buses"][1]["functions"][0]["children"][0]["address"],
        "0000:41:00.0"
    );
}

#[test]
fn a_vmd_domain_has_its_own_root_bus() {
    let sys = FakeSys::with(&vmd_domains());
    let r = run_on(&sys, &["--json", "topo"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    let buses: Vec<(&str, &str)> = j["root_buses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["root_bus"].as_str().unwrap(),
                b["host_bridge"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(buses, [("0000:00", "8086:29c0"), ("10000:00", "1b36:000c")]);
    assert_eq!(
        j["root_buses"][1]["functions"][1]["address"],
        "10000:00:01.0"
    );
}

#[test]
fn what_non_root_cannot_see_is_marked() {
    let sys = FakeSys::with(&q35_switch());
    sys.truncate_config("00:10.0", 64);
    let r = run_on(&sys, &["topo"]);
    assert_eq!(r.code, 0);
    assert!(
        r.out
            .contains("+- 0000:00:10.0 1b36:000c unknown, ACS unknown (not root)\n"),
        "{}",
        r.out
    );
    let r = run_on(&sys, &["--json", "topo"]);
    let rp = &r.json()["root_buses"][0]["functions"][1];
    assert_eq!(rp["port_type"], "unknown");
    assert_eq!(rp["acs_known"], false);
    assert!(rp["acs"].is_null());
}

#[test]
fn no_pci_at_all() {
    let sys = FakeSys::new();
    let r = run_on(&sys, &["--json", "topo"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json(), serde_json::json!({ "root_buses": [] }));
    assert!(r.err.contains("no PCI functions"), "{}", r.err);
}

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
    assert_eq!(j.as_object().unwrap().len(), 2);
    assert!(j["below"].is_null());
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
            "device_name",
            "driver",
            "id",
            "port_type",
            "providers",
            "vendor_name"
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
    assert_eq!(
        r.json(),
        serde_json::json!({ "below": null, "root_buses": [] })
    );
    assert!(r.err.contains("no PCI functions"), "{}", r.err);
}

/// A few lines of pci.ids: QEMU's devices of the switch tree, and Intel without the 82801.
const PCI_IDS: &str = "\
# List of PCI ID's
104c  Texas Instruments
\t8232  XIO3130 PCI Express Switch (Upstream)
\t8233  XIO3130 PCI Express Switch (Downstream)
1b36  Red Hat, Inc.
\t000c  QEMU PCIe Root port
\t0010  QEMU NVM Express Controller
\t\t1af4 1100  QEMU Virtual Machine
8086  Intel Corporation
\t29c0  82G33/G31/P35/P31 Express DRAM Controller
C 06  Bridge
";

#[test]
fn names_from_pci_ids_and_bound_drivers() {
    let sys = FakeSys::with(&q35_switch());
    std::fs::write(sys.pci_ids(), PCI_IDS).unwrap();
    sys.set_driver("03:00.0", "nvme");
    sys.set_driver("00:10.0", "pcieport");
    sys.add_provider(1, "03:00.0", 2, 64 << 20, 64 << 20);
    let r = run_on(&sys, &["topo"]);
    assert_eq!((r.code, r.err.as_str()), (0, ""), "{r:?}");
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(
        lines[1],
        "+- 0000:00:00.0 8086:29c0 pci: Intel Corporation 82G33/G31/P35/P31 Express DRAM \
         Controller"
    );
    assert_eq!(
        lines[2],
        "+- 0000:00:10.0 1b36:000c root port, ACS cap 0x001f ctrl 0x0000, driver pcieport: \
         Red Hat, Inc. QEMU PCIe Root port"
    );
    assert_eq!(
        lines[5],
        "|     |  `- 0000:03:00.0 1b36:0010 endpoint, driver nvme [p2pmem1]: Red Hat, Inc. QEMU \
         NVM Express Controller"
    );
    // A vendor it knows, a device it does not: lspci's "Device dddd".
    assert_eq!(
        lines[12],
        "`- 0000:00:1f.0 8086:2918 pci: Intel Corporation Device 2918"
    );
    // Neither: the IDs alone.
    assert_eq!(lines[11], "|        `- 0000:06:00.0 1234:11e8 pci");

    let r = run_on(&sys, &["--json", "topo"]);
    let nvme =
        &r.json()["root_buses"][0]["functions"][1]["children"][0]["children"][0]["children"][0];
    assert_eq!(nvme["address"], "0000:03:00.0");
    assert_eq!(nvme["driver"], "nvme");
    assert_eq!(nvme["vendor_name"], "Red Hat, Inc.");
    assert_eq!(nvme["device_name"], "QEMU NVM Express Controller");
    let edu =
        &r.json()["root_buses"][0]["functions"][1]["children"][0]["children"][3]["children"][0];
    assert_eq!(edu["address"], "0000:06:00.0");
    assert!(
        edu["driver"].is_null() && edu["vendor_name"].is_null() && edu["device_name"].is_null()
    );
}

#[test]
fn a_pci_ids_file_that_is_not_there_gives_ids_and_a_note() {
    let sys = FakeSys::with(&q35_switch());
    let plain = run_on(&sys, &["topo"]);
    std::fs::remove_file(sys.pci_ids()).unwrap();
    let r = run_on(&sys, &["topo"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.out, plain.out);
    assert_eq!(
        r.err,
        format!(
            "p2pmem: {}: No such file or directory (ENOENT); showing IDs without names\n",
            sys.pci_ids().display()
        )
    );
}

#[test]
fn below_a_bridge() {
    let sys = FakeSys::with(&q35_switch());
    sys.set_driver("04:00.0", "nvme");
    let r = run_on(&sys, &["topo", "--below", "02:01.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.out,
        "root bus 0000:00 (host bridge 8086:29c0), below 0000:02:01.0
`- 0000:02:01.0 104c:8233 downstream port
   `- 0000:04:00.0 1b36:0010 endpoint, driver nvme
"
    );
    let r = run_on(&sys, &["--json", "topo", "--below", "0000:01:00.0"]);
    let j = r.json();
    assert_eq!(j["below"], "0000:01:00.0");
    let buses = j["root_buses"].as_array().unwrap();
    assert_eq!(buses.len(), 1);
    assert_eq!(buses[0]["root_bus"], "0000:00");
    assert_eq!(buses[0]["host_bridge"], "8086:29c0");
    let fs = buses[0]["functions"].as_array().unwrap();
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["address"], "0000:01:00.0");
    assert_eq!(fs[0]["children"].as_array().unwrap().len(), 4);

    // The root bus of a pxb-pcie bus is that of its own host bridge.
    let sys = FakeSys::with(&all());
    let r = run_on(&sys, &["--json", "topo", "--below", "41:00.0"]);
    let j = r.json();
    assert_eq!(j["root_buses"][0]["root_bus"], "0000:40");
    assert_eq!(j["root_buses"][0]["host_bridge"], "1b36:000c");
    assert_eq!(
        j["root_buses"][0]["functions"][0]["children"],
        serde_json::json!([])
    );

    let r = run_on(&sys, &["topo", "--below", "7f:00.0"]);
    assert_eq!((r.code, r.out.as_str()), (2, ""));
    assert_eq!(r.err, "p2pmem: 0000:7f:00.0: no such PCI function\n");
    let r = run_on(&sys, &["topo", "--below", "bridge"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("not a PCI address"), "{}", r.err);
}

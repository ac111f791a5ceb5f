// SPDX-License-Identifier: GPL-2.0

//! `p2pmem wrappable` on fake trees: each rule of the module refuses the BARs it should, and
//! `force` is offered only where it is enough.

use super::{fake::*, run_on};

const MEM: u64 = 0x200;
const PREFETCH: u64 = 0x2000;
const MEM64: u64 = 0x10_0000;
const UNSET: u64 = 0x2000_0000;
const DISABLED: u64 = 0x1000_0000;
const IO: u64 = 0x100;
const MIB: u64 = 1 << 20;

/// The switch tree with BARs: an NVMe bound to nvme (BAR 0 registers, BAR 2 a CMB it
/// requested), an unbound NVMe with half of its CMB a provider and BAR 0 never assigned,
/// ivshmem with a free prefetchable BAR 2, and edu bound to vfio-pci with a non-prefetchable
/// 4 MiB BAR 0 and an I/O BAR.
fn tree() -> FakeSys {
    let sys = FakeSys::with(&q35_switch());
    sys.set_bars(
        "03:00.0",
        &[
            (0, 0xfe60_0000, 0x4000, MEM | MEM64),
            (2, 0x80_0000_0000, 64 * MIB, MEM | MEM64 | PREFETCH),
        ],
    );
    sys.set_driver("03:00.0", "nvme");
    sys.set_bars(
        "04:00.0",
        &[
            (0, 0, 0x4000, MEM | MEM64 | UNSET),
            (2, 0x80_0400_0000, 64 * MIB, MEM | MEM64 | PREFETCH),
        ],
    );
    sys.add_provider(1, "04:00.0", 2, 32 * MIB, 32 * MIB);
    sys.set_bars(
        "05:00.0",
        &[
            (0, 0xfe80_0000, 0x100, MEM),
            (2, 0x80_0800_0000, 64 * MIB, MEM | MEM64 | PREFETCH),
        ],
    );
    sys.set_bars(
        "06:00.0",
        &[(0, 0xfc00_0000, 4 * MIB, MEM), (1, 0xc000, 0x40, IO)],
    );
    sys.set_driver("06:00.0", "vfio-pci");
    sys.class_file("wrap", "0000:04:00.0 2 p2pmem1\n");
    sys.set_iomem(
        "\
00000000-00000fff : Reserved
fc000000-febfffff : PCI Bus 0000:00
  fc000000-fc3fffff : 0000:06:00.0
  fe600000-fe603fff : 0000:03:00.0
    fe600000-fe603fff : nvme
  fe800000-fe8000ff : 0000:05:00.0
8000000000-80ffffffff : PCI Bus 0000:00
  8000000000-8003ffffff : 0000:03:00.0
    8000000000-8003ffffff : nvme
  8004000000-8007ffffff : 0000:04:00.0
    8004000000-8005ffffff : p2pmem
  8008000000-800bffffff : 0000:05:00.0
",
    );
    sys
}

#[test]
fn each_bar_with_its_reasons() {
    let sys = tree();
    let r = run_on(&sys, &["wrappable"]);
    assert_eq!((r.code, r.err.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.out,
        "\
0000:03:00.0 BAR 0 (16K non-prefetchable 64-bit, driver nvme): no
  BAR 0 is not prefetchable (registers?) (force allows)
  BAR 0: range at 0xfe600000 of 0x4000 bytes is not aligned to 0x200000 at both ends
  bound to driver nvme, which may use it (force allows)
  requested in /proc/iomem by nvme
0000:03:00.0 BAR 2 (64M prefetchable 64-bit, driver nvme): no
  bound to driver nvme, which may use it (force allows)
  requested in /proc/iomem by nvme
0000:04:00.0 BAR 0 (16K non-prefetchable 64-bit, no driver): no
  BAR 0 has no address assigned
0000:04:00.0 BAR 2 (64M prefetchable 64-bit, no driver): no
  already a provider: p2pmem1; the rest of the BAR can be wrapped with SIZE and OFFSET
0000:05:00.0 BAR 0 (256 non-prefetchable, no driver): no
  BAR 0 is not prefetchable (registers?) (force allows)
  BAR 0: range at 0xfe800000 of 0x100 bytes is not aligned to 0x200000 at both ends
0000:05:00.0 BAR 2 (64M prefetchable 64-bit, no driver): yes: echo 0000:05:00.0 2 > \
/sys/class/p2pmem/wrap
0000:06:00.0 BAR 0 (4M non-prefetchable, driver vfio-pci): with force: echo 0000:06:00.0 0 \
force > /sys/class/p2pmem/wrap
  BAR 0 is not prefetchable (registers?) (force allows)
  bound to driver vfio-pci, which may use it (force allows)
no memory BAR: 0000:00:00.0 0000:00:10.0 0000:00:1f.0 0000:01:00.0 0000:02:00.0 \
0000:02:01.0 0000:02:02.0 0000:02:03.0
"
    );
}

#[test]
fn json_fields() {
    let sys = tree();
    let r = run_on(&sys, &["--json", "wrappable"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["module_loaded"], true);
    assert!(j["lockdown"].is_null());
    assert_eq!(j["iomem_known"], true);
    let bars = j["bars"].as_array().unwrap();
    assert_eq!(bars.len(), 7);
    let ivshmem = &bars[5];
    assert_eq!(
        *ivshmem,
        serde_json::json!({
            "function": "0000:05:00.0", "bar": 2, "start": 0x80_0800_0000u64,
            "size": 64 * MIB, "prefetchable": true, "mem64": true, "driver": null,
            "in_tree": true, "requested_by": [], "providers": [], "verdict": "yes",
            "refusals": [], "wrap_line": "0000:05:00.0 2"
        })
    );
    let half = &bars[3];
    assert_eq!(half["providers"], serde_json::json!(["p2pmem1"]));
    // The provider's own request is its rule, not "busy".
    assert_eq!(half["requested_by"], serde_json::json!(["p2pmem"]));
    let rules: Vec<&str> = half["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["provider"]);
    let edu = &bars[6];
    assert_eq!(edu["verdict"], "force");
    assert_eq!(edu["wrap_line"], "0000:06:00.0 0 force");
    assert_eq!(
        edu["refusals"],
        serde_json::json!([
            { "rule": "not_prefetchable", "force_allows": true,
              "reason": "BAR 0 is not prefetchable (registers?)" },
            { "rule": "driver", "force_allows": true,
              "reason": "bound to driver vfio-pci, which may use it" },
        ])
    );
    assert_eq!(bars[2]["refusals"][0]["rule"], "unset");
    assert_eq!(bars[2]["in_tree"], false);
    assert_eq!(j["without_memory_bars"].as_array().unwrap().len(), 8);
}

#[test]
fn placement_rules() {
    let sys = FakeSys::with(&q35_switch());
    sys.set_bars(
        "05:00.0",
        &[
            (0, 0xfe80_0000, 2 * MIB, MEM | PREFETCH | DISABLED),
            (2, 0x80_0800_0000, 64 * MIB, MEM | MEM64 | PREFETCH),
        ],
    );
    // BAR 2 is missing from the tree (a claim that failed).
    sys.set_iomem("fe000000-febfffff : PCI Bus 0000:00\n  fe800000-fe9fffff : 0000:05:00.0\n");
    let r = run_on(&sys, &["--json", "wrappable", "05:00.0"]);
    let j = r.json();
    let bars = j["bars"].as_array().unwrap();
    assert_eq!(bars.len(), 2);
    assert_eq!(bars[0]["refusals"][0]["rule"], "disabled");
    assert_eq!(bars[1]["refusals"][0]["rule"], "not_in_tree");
    assert_eq!(
        bars[1]["refusals"][0]["reason"],
        "BAR 2 is not in the resource tree (/proc/iomem)"
    );
    assert!(bars.iter().all(|b| b["verdict"] == "no"));
    // Without the module: a note, the same verdicts.
    assert_eq!(j["module_loaded"], false);
    assert!(
        r.err.contains("module is not loaded; wrap needs it"),
        "{}",
        r.err
    );
}

#[test]
fn what_a_user_cannot_see_is_null() {
    let sys = tree();
    sys.set_iomem(
        "00000000-00000000 : PCI Bus 0000:00\n  00000000-00000000 : 0000:03:00.0\n    \
         00000000-00000000 : nvme\n",
    );
    let r = run_on(&sys, &["--json", "wrappable", "03:00.0"]);
    assert_eq!(r.code, 0);
    assert!(
        r.err.contains("/proc/iomem shows no addresses"),
        "{}",
        r.err
    );
    let j = r.json();
    assert_eq!(j["iomem_known"], false);
    let cmb = &j["bars"][1];
    assert!(cmb["in_tree"].is_null() && cmb["requested_by"].is_null());
    // Only the driver is seen: force would do, as far as can be told.
    assert_eq!(cmb["verdict"], "force");
    assert_eq!(cmb["wrap_line"], "0000:03:00.0 2 force");
}

#[test]
fn lockdown_refuses_every_bar() {
    let sys = tree();
    sys.set_lockdown("integrity");
    let r = run_on(&sys, &["--json", "wrappable", "05:00.0"]);
    let j = r.json();
    assert_eq!(j["lockdown"], "integrity");
    let b = &j["bars"][1];
    assert_eq!(b["verdict"], "no");
    assert_eq!(
        b["refusals"],
        serde_json::json!([{ "rule": "lockdown", "force_allows": false,
            "reason": "the kernel is locked down (integrity), which forbids user space access \
                       to PCI BARs" }])
    );
    sys.set_lockdown("none");
    let r = run_on(&sys, &["--json", "wrappable", "05:00.0"]);
    assert_eq!(r.json()["bars"][1]["verdict"], "yes");
}

#[test]
fn the_membar_driver_needs_no_force() {
    let sys = tree();
    sys.set_driver("05:00.0", "p2pmem_membar");
    let r = run_on(&sys, &["--json", "wrappable", "05:00.0"]);
    let b = &r.json()["bars"][1];
    assert_eq!(b["driver"], "p2pmem_membar");
    assert_eq!(b["verdict"], "yes");
}

#[test]
fn unknown_functions_are_errors() {
    let sys = tree();
    let r = run_on(&sys, &["wrappable", "09:00.0"]);
    assert_eq!((r.code, r.out.as_str()), (2, ""));
    assert_eq!(r.err, "p2pmem: 0000:09:00.0: no such PCI function\n");
}

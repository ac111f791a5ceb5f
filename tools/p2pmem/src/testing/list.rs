// SPDX-License-Identifier: GPL-2.0

//! `p2pmem list` on fake trees.

use super::{fake::*, run_on};

#[test]
fn without_the_module_the_list_is_empty() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(&sys, &["list"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.out, "");
    assert!(
        r.err.starts_with("p2pmem: no ") && r.err.contains("module is not loaded"),
        "{}",
        r.err
    );
    let r = run_on(&sys, &["list", "--json"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json(), serde_json::json!({ "providers": [] }));

    // Loaded, no providers.
    sys.class_file("wrap", "");
    let r = run_on(&sys, &["list"]);
    assert_eq!((r.code, r.out.as_str()), (0, ""));
    assert_eq!(r.err, "p2pmem: no providers\n");
}

#[test]
fn providers_are_listed_by_number() {
    let sys = FakeSys::with(&q35_switch());
    sys.add_provider(10, "03:00.0", 2, 64 << 20, 64 << 20);
    sys.add_provider(2, "05:00.0", 2, 64 << 20, 60 << 20);
    sys.class_file("wrap", "");
    let r = run_on(&sys, &["list"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.out,
        "NAME      FUNCTION      BAR  OFFSET  SIZE  AVAILABLE  PUBLISHED  ALLOCATIONS  PEAK  \
         FAILURES  BUS_OFFSET\n\
         p2pmem2   0000:05:00.0  2    0       64M   60M        yes        3            5     \
         0         0x0\n\
         p2pmem10  0000:03:00.0  2    0       64M   64M        yes        3            5     \
         0         0x0\n"
    );

    let r = run_on(&sys, &["--json", "list"]);
    let j = r.json();
    let p = &j["providers"][0];
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "alloc_failures",
            "allocations",
            "available",
            "bar",
            "bus_offset",
            "function",
            "name",
            "offset",
            "peak",
            "published",
            "size"
        ]
    );
    assert_eq!(
        *p,
        serde_json::json!({
            "name": "p2pmem2", "function": "0000:05:00.0", "bar": 2, "offset": 0,
            "size": 67108864, "available": 62914560, "published": true, "allocations": 3,
            "peak": 5, "alloc_failures": 0, "bus_offset": "0x0"
        })
    );
    assert_eq!(j["providers"][1]["name"], "p2pmem10");
}

#[test]
fn a_malformed_attribute_is_an_error_naming_it() {
    let sys = FakeSys::with(&q35_switch());
    sys.add_provider(0, "03:00.0", 2, 64 << 20, 64 << 20);
    let dir = sys.dev_dir("03:00.0").join("p2pmem/p2pmem0");
    std::fs::write(dir.join("size"), "lots\n").unwrap();
    let r = run_on(&sys, &["list"]);
    assert_eq!(r.code, 2);
    assert!(
        r.err.starts_with("p2pmem: p2pmem0: ") && r.err.contains("size: \"lots\" is not a number"),
        "{}",
        r.err
    );
}

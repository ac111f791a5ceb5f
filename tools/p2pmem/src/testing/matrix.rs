// SPDX-License-Identifier: GPL-2.0

//! `p2pmem matrix` on the VM's switch topology: endpoints only, both sources, `--providers`.

use super::{fake::*, run_on, run_with};
use crate::query::{tests::Fake, AskError};

const SWITCH_ENDPOINTS: [&str; 4] = [
    "0000:03:00.0",
    "0000:04:00.0",
    "0000:05:00.0",
    "0000:06:00.0",
];

#[test]
fn every_endpoint_against_every_endpoint() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(&sys, &["matrix"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.out.lines().collect();
    // Bridges (host, ISA, root port, switch ports) are neither rows nor columns.
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["PROVIDER", "\\", "CLIENT"]
            .into_iter()
            .chain(SWITCH_ENDPOINTS)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        [
            "0000:03:00.0",
            "bus",
            "0",
            "bus",
            "4",
            "bus",
            "4",
            "bus",
            "4"
        ]
    );
    assert_eq!(lines.len(), 1 + 4 + 2, "{}", r.out);
    assert!(lines[5].ends_with("(computed from sysfs)"), "{}", lines[5]);

    let j = run_on(&sys, &["--json", "matrix"]).json();
    assert_eq!(j["clients"], serde_json::json!(SWITCH_ENDPOINTS));
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for (row, p) in rows.iter().zip(SWITCH_ENDPOINTS) {
        assert_eq!(row["provider"], p);
        assert_eq!(row["total_distance"], 12);
        assert_eq!(row["clients"].as_array().unwrap().len(), 4);
    }
}

#[test]
fn refusals_show_as_no_and_null_distance() {
    // Two root ports: nothing in common, q35's host bridge not allowed.
    let sys = FakeSys::with(&q35_rootports());
    let j = run_on(&sys, &["--json", "matrix"]).json();
    let rows = j["rows"].as_array().unwrap();
    assert!(rows.len() >= 2, "{j}");
    let refused = rows
        .iter()
        .find(|r| r["p2p"] == false)
        .unwrap_or_else(|| panic!("no refusal in {j}"));
    assert!(refused["total_distance"].is_null());
    let r = run_on(&sys, &["matrix"]);
    assert!(
        r.out
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .any(|c| c == "no"),
        "{}",
        r.out
    );
}

#[test]
fn providers_only_keeps_the_rows_of_provider_functions() {
    let sys = FakeSys::with(&q35_switch());
    sys.add_provider(0, "05:00.0", 2, 1 << 20, 1 << 20);
    sys.add_provider(1, "05:00.0", 2, 1 << 20, 1 << 20);
    let j = run_on(&sys, &["--json", "matrix", "--providers"]).json();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{j}");
    assert_eq!(rows[0]["provider"], "0000:05:00.0");
    assert_eq!(j["clients"].as_array().unwrap().len(), 4);

    let bare = FakeSys::with(&q35_switch());
    let r = run_on(&bare, &["matrix", "--providers"]);
    assert_eq!((r.code, r.out.as_str()), (0, ""));
    assert!(r.err.contains("no providers"), "{}", r.err);
}

#[test]
fn the_module_answers_each_pair() {
    let sys = FakeSys::with(&q35_switch());
    let mut t = Fake {
        answer: |p, c| {
            Ok(format!(
                "provider={p}\nclient={c}\nmap_type=THRU_HOST_BRIDGE\ndistance=7\n\
                 reason=test\ncached_map_type=none\ncached_distance=none\n"
            ))
        },
        asked: 0,
    };
    let r = run_with(&sys, &["matrix"], &mut t);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(t.asked, 16);
    assert!(r.out.contains("host 7"), "{}", r.out);
    assert!(r.out.contains("(from the module)"), "{}", r.out);

    let mut down = Fake {
        answer: |_, _| Err(AskError::Unavailable("gone".into())),
        asked: 0,
    };
    let r = run_with(&sys, &["matrix"], &mut down);
    assert!(r.out.contains("(computed from sysfs)"), "{}", r.out);
}

// SPDX-License-Identifier: GPL-2.0

//! The `p2pmem` binary as a process: exit statuses and where the output goes.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

#[path = "../src/testing/fake.rs"]
mod fake;

use std::process::{
    Command,
    Output, //
};

use fake::*;
use p2pmem_policy::topology::Acs;

fn p2pmem(sys: &FakeSys, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_p2pmem"))
        .args(sys.args())
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap()
}

#[test]
fn check_exit_statuses() {
    let sys = FakeSys::with(&plx_workstation());
    sys.set_cpu("GenuineIntel", 6);
    let o = p2pmem(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(text(&o.stdout).contains("pci=disable_acs_redir=0000:02:08.0;0000:02:10.0"));

    sys.set_acs_ctrl("02:08.0", Acs::SV);
    sys.set_acs_ctrl("02:10.0", Acs::SV);
    let o = p2pmem(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(text(&o.stdout).contains("BUS_ADDR, distance 4"));

    sys.truncate_config("02:10.0", 64);
    let o = p2pmem(&sys, &["--json", "check", "03:00.0", "04:00.0"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert_eq!(text(&o.stdout), "");
    assert!(text(&o.stderr).starts_with("p2pmem: cannot decide (need root): "));

    let o = p2pmem(&sys, &["check", "03:00.0", "07:00.0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "p2pmem: 0000:07:00.0: no such PCI function\n"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let sys = FakeSys::new();
    let o = p2pmem(&sys, &["check", "03:00.0", "not-an-address"]);
    assert_eq!(o.status.code(), Some(2));
    let o = p2pmem(&sys, &["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = p2pmem(&sys, &["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("allow-host-bridge"));
}

#[test]
fn list_without_the_module() {
    let sys = FakeSys::with(&q35_switch());
    let o = p2pmem(&sys, &["list", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["providers"], serde_json::json!([]));
    assert!(text(&o.stderr).contains("module is not loaded"));
}

#[test]
fn a_query_file_that_does_not_answer_is_an_error() {
    // A regular file reads back what was written, not an answer.
    let sys = FakeSys::with(&q35_switch());
    let q = sys.sys().join("kernel/debug/p2pmem");
    std::fs::create_dir_all(&q).unwrap();
    std::fs::write(q.join("query"), "").unwrap();
    let o = p2pmem(&sys, &["check", "03:00.0", "04:00.0"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        text(&o.stderr).contains("query file: unexpected line"),
        "{}",
        text(&o.stderr)
    );
    // --compute does not ask it.
    let o = p2pmem(&sys, &["check", "--compute", "03:00.0", "04:00.0"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

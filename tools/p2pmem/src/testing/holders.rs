// SPDX-License-Identifier: GPL-2.0

//! `p2pmem holders` on fake trees: the provider's counters, and the processes whose maps name
//! its device node or its allocate file.

use std::fs;

use super::{fake::*, run_on};

const MIB: u64 = 1 << 20;

/// The allocate file of the provider on 03:00.0, as a process's maps names it.
const ALLOCATE: &str = "/sys/devices/pci0000:00/0000:00:10.0/0000:01:00.0/0000:02:00.0/\
                        0000:03:00.0/p2pmem/p2pmem0/allocate";

fn tree() -> FakeSys {
    let sys = FakeSys::with(&q35_switch());
    sys.add_provider(0, "03:00.0", 2, 64 * MIB, 58 * MIB);
    sys.add_provider(1, "05:00.0", 2, 64 * MIB, 64 * MIB);
    sys.add_process(
        100,
        "python3",
        "55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234                       /usr/bin/python3.13\n\
         7f0000000000-7f0000200000 rw-s 00000000 00:05 321                        /dev/p2pmem0\n\
         7f0000400000-7f0000600000 rw-s 00000000 00:05 321                        /dev/p2pmem0\n\
         7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n",
    );
    sys.add_process(
        200,
        "fio",
        &format!(
            "7f1000000000-7f1000200000 rw-s 00000000 00:17 77                         {ALLOCATE}\n\
             7f2000000000-7f2000200000 rw-s 00000000 00:05 322                        /dev/p2pmem1\n"
        ),
    );
    // Maps only a name that starts the same.
    sys.add_process(
        300,
        "bash",
        "7f3000000000-7f3000001000 rw-s 00000000 00:05 900                        /dev/p2pmem01\n",
    );
    // Not processes.
    fs::create_dir_all(sys.proc().join("sys")).unwrap();
    fs::write(sys.proc().join("uptime"), "1.0 1.0\n").unwrap();
    sys
}

#[test]
fn processes_and_counters() {
    let sys = tree();
    let r = run_on(&sys, &["holders", "p2pmem0"]);
    assert_eq!((r.code, r.err.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.out,
        format!(
            "p2pmem0: 0000:03:00.0 BAR 2, 64M, 58M available, 6M in use; 3 allocations (peak 5, \
             0 refused)\n  \
             pid 100 (python3) maps /dev/p2pmem0: 4M in 2 VMAs\n  \
             pid 200 (fio) maps {ALLOCATE}: 2M in 1 VMA\n  \
             in-kernel users (claims such as nvmet's, p2pmem_alloc(), pinned pages) are not \
             known: the module does not expose them\n"
        )
    );
    let r = run_on(&sys, &["--json", "holders", "p2pmem0"]);
    let j = r.json();
    assert_eq!(j["unreadable_processes"], 0);
    let h = &j["providers"][0];
    let mut keys: Vec<&str> = h.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["claims", "in_use", "name", "processes", "sysfs"]);
    assert_eq!(h["name"], "p2pmem0");
    assert_eq!(h["in_use"], 6 * MIB);
    assert!(h["claims"].is_null());
    assert_eq!(h["sysfs"]["function"], "0000:03:00.0");
    assert_eq!(h["sysfs"]["allocations"], 3);
    assert_eq!(
        h["processes"],
        serde_json::json!([
            { "pid": 100, "comm": "python3", "file": "/dev/p2pmem0", "deleted": false,
              "vmas": 2, "bytes": 4 * MIB },
            { "pid": 200, "comm": "fio", "file": ALLOCATE, "deleted": false,
              "vmas": 1, "bytes": 2 * MIB },
        ])
    );
}

#[test]
fn all_accounted_for() {
    let sys = tree();
    // python3's two mappings are the two allocations, and with fio's mapping of the allocate
    // file they are all the memory in use.
    sys.set_provider_attr(0, "allocations", "2");
    let r = run_on(&sys, &["holders", "p2pmem0"]);
    assert!(
        r.out
            .ends_with("2M in 1 VMA\n  all of it is mapped by the processes above\n"),
        "{}",
        r.out
    );
    // One byte more in use than mapped: not all.
    sys.set_provider_attr(0, "available", &(58 * MIB - 4096).to_string());
    let r = run_on(&sys, &["holders", "p2pmem0"]);
    assert!(
        r.out.ends_with("the module does not expose them\n"),
        "{}",
        r.out
    );
}

#[test]
fn every_provider_of_a_function() {
    let sys = tree();
    sys.add_provider_at(2, "03:00.0", 2, 32 * MIB, 32 * MIB, 32 * MIB);
    let r = run_on(&sys, &["--json", "holders", "0000:03:00.0"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    let names: Vec<&str> = j["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p2pmem0", "p2pmem2"]);
    assert_eq!(j["providers"][1]["processes"], serde_json::json!([]));
    // p2pmem1's mapping by fio is not p2pmem0's.
    let r = run_on(&sys, &["--json", "holders", "05:00.0"]);
    let procs = &r.json()["providers"][0]["processes"];
    assert_eq!(procs.as_array().unwrap().len(), 1);
    assert_eq!(procs[0]["file"], "/dev/p2pmem1");
}

#[test]
fn says_when_nothing_is_known_to_hold_it() {
    let sys = tree();
    sys.set_provider_attr(1, "allocations", "0");
    // No process maps p2pmem1 now.
    fs::remove_dir_all(sys.proc().join("200")).unwrap();
    let r = run_on(&sys, &["holders", "p2pmem1"]);
    assert_eq!(
        r.out,
        "p2pmem1: 0000:05:00.0 BAR 2, 64M, 64M available, 0 in use; 0 allocations (peak 5, 0 \
         refused)\n  nothing holds its memory: no allocation, no process maps it\n"
    );
    // Memory in use and no process: the kernel holds it, and who is not known.
    sys.set_provider_attr(1, "allocations", "2");
    sys.set_provider_attr(1, "available", &(60 * MIB).to_string());
    sys.set_provider_attr(1, "published", "0");
    let r = run_on(&sys, &["holders", "p2pmem1"]);
    assert_eq!(
        r.out,
        "p2pmem1: 0000:05:00.0 BAR 2, 64M, 60M available, 4M in use; 2 allocations (peak 5, 0 \
         refused), not published\n  no process maps it\n  in-kernel users (claims such as \
         nvmet's, p2pmem_alloc(), pinned pages) are not known: the module does not expose \
         them\n"
    );
}

#[test]
fn a_provider_being_torn_down_is_found_by_its_deleted_node() {
    let sys = tree();
    sys.add_process(
        400,
        "qemu-system-x86",
        "7f4000000000-7f4000400000 rw-s 00000000 00:05 500                        \
         /dev/p2pmem7 (deleted)\n",
    );
    let r = run_on(&sys, &["holders", "p2pmem7"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.out,
        "p2pmem7: no longer in sysfs (being torn down?)\n  pid 400 (qemu-system-x86) maps \
         /dev/p2pmem7 (deleted): 4M in 1 VMA\n  (deleted): mapped before teardown started, \
         which zapped the mapping and took its memory back; pages it pinned (O_DIRECT, RDMA) \
         may still be held\n  in-kernel users (claims such as nvmet's, \
         p2pmem_alloc(), pinned pages) are not known: the module does not expose them\n"
    );
    let j = run_on(&sys, &["--json", "holders", "p2pmem7"]).json();
    assert!(j["providers"][0]["sysfs"].is_null());
    assert!(j["providers"][0]["in_use"].is_null());
    assert_eq!(j["providers"][0]["processes"][0]["deleted"], true);
}

#[test]
fn unreadable_processes_are_counted() {
    let sys = tree();
    // A maps file that cannot be read (EISDIR here; EACCES for another user's process).
    fs::create_dir_all(sys.proc().join("500/maps")).unwrap();
    let r = run_on(&sys, &["--json", "holders", "p2pmem0"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["unreadable_processes"], 1);
    assert_eq!(
        r.err,
        "p2pmem: 1 process's maps could not be read (not root?): they may map it too\n"
    );
}

#[test]
fn unknown_providers_are_errors() {
    let sys = tree();
    for (args, err) in [
        (
            &["holders", "p2pmem9"][..],
            "p2pmem: p2pmem9: no such provider\n",
        ),
        (
            &["holders", "04:00.0"],
            "p2pmem: 0000:04:00.0 has no provider\n",
        ),
        (
            &["holders", "09:00.0"],
            "p2pmem: 0000:09:00.0: no such PCI function\n",
        ),
    ] {
        let r = run_on(&sys, args);
        assert_eq!(
            (r.code, r.out.as_str(), r.err.as_str()),
            (2, "", err),
            "{args:?}"
        );
    }
    let r = run_on(&sys, &["holders", "nvme0"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("not p2pmemN or a PCI address"), "{}", r.err);
    let bare = FakeSys::with(&q35_switch());
    let r = run_on(&bare, &["holders", "p2pmem0"]);
    assert_eq!(
        (r.code, r.err.as_str()),
        (
            2,
            "p2pmem: p2pmem0: no such provider (the p2pmem module is not loaded)\n"
        )
    );
}

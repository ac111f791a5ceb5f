// SPDX-License-Identifier: GPL-2.0

//! `wrap`, `unwrap` and `allow-host-bridge` on fake class files: what they write, and how
//! refusals come back.

use std::{
    fs,
    os::unix::fs::symlink, //
};

use super::{fake::*, run_on};

#[test]
fn wrap_writes_one_line() {
    let sys = FakeSys::with(&q35_switch());
    sys.class_file("wrap", "");
    let r = run_on(&sys, &["wrap", "03:00.0", "2"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(sys.read_class_file("wrap"), "0000:03:00.0 2\n");
    // A regular file does not list the new provider back.
    assert_eq!(r.out, "0000:03:00.0 BAR 2: wrapped\n");

    sys.class_file("wrap", "");
    let r = run_on(
        &sys,
        &[
            "--json",
            "wrap",
            "--force",
            "0000:03:00.0",
            "4",
            "32M",
            "0x2000000",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        sys.read_class_file("wrap"),
        "0000:03:00.0 4 32M 0x2000000 force\n"
    );
    assert_eq!(
        r.json(),
        serde_json::json!({ "function": "0000:03:00.0", "bar": 4, "provider": null })
    );
}

#[test]
fn wrap_refuses_bad_requests_before_writing() {
    let sys = FakeSys::with(&q35_switch());
    sys.class_file("wrap", "");
    let r = run_on(&sys, &["wrap", "03:00.0", "2", "lots"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "p2pmem: size \"lots\": must be a number (decimal or 0x, with K, M or G)\n"
    );
    let r = run_on(&sys, &["wrap", "03:00.0", "6"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("6 is not in 0..=5"), "{}", r.err);
    let r = run_on(&sys, &["wrap", "03:00.0"]);
    assert_eq!(r.code, 2);
    let r = run_on(&sys, &["wrap", "--list", "03:00.0"]);
    assert_eq!(r.code, 2);
    assert_eq!(sys.read_class_file("wrap"), "");
}

#[test]
fn wrap_list() {
    let sys = FakeSys::with(&q35_switch());
    sys.class_file("wrap", "0000:03:00.0 2 p2pmem1\n0000:04:00.0 4 p2pmem3\n");
    let r = run_on(&sys, &["wrap", "--list"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.out,
        "0000:03:00.0 BAR 2: p2pmem1\n0000:04:00.0 BAR 4: p2pmem3\n"
    );
    let r = run_on(&sys, &["--json", "wrap", "--list"]);
    assert_eq!(
        r.json(),
        serde_json::json!({ "wraps": [
            { "function": "0000:03:00.0", "bar": 2, "provider": "p2pmem1" },
            { "function": "0000:04:00.0", "bar": 4, "provider": "p2pmem3" },
        ]})
    );
}

#[test]
fn unwrap_writes_the_function_and_bar() {
    let sys = FakeSys::with(&q35_switch());
    sys.class_file("unwrap", "");
    let r = run_on(&sys, &["unwrap", "03:00.0"]);
    assert_eq!((r.code, r.out.as_str()), (0, "0000:03:00.0: unwrapped\n"));
    assert_eq!(sys.read_class_file("unwrap"), "0000:03:00.0\n");
    sys.class_file("unwrap", "");
    let r = run_on(&sys, &["--json", "unwrap", "03:00.0", "2"]);
    assert_eq!(sys.read_class_file("unwrap"), "0000:03:00.0 2\n");
    assert_eq!(
        r.json(),
        serde_json::json!({ "function": "0000:03:00.0", "bar": 2 })
    );
}

#[test]
fn kernel_refusals_name_the_file_and_the_errno() {
    let sys = FakeSys::with(&q35_switch());
    // Writes to /dev/full fail with ENOSPC, as the module's store would.
    symlink("/dev/full", sys.class_dir().join("wrap")).unwrap();
    let r = run_on(&sys, &["wrap", "03:00.0", "2"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.out, "");
    let path = sys.sys().join("class/p2pmem/wrap");
    assert_eq!(
        r.err,
        format!(
            "p2pmem: {}: No space left on device (ENOSPC); dmesg has the kernel's reason\n",
            path.display()
        )
    );
}

#[test]
fn kernel_refusals_come_with_the_modules_reason() {
    let sys = FakeSys::with(&q35_switch());
    symlink("/dev/full", sys.class_dir().join("wrap")).unwrap();
    sys.set_thread(4242);
    let _log = sys.kmsg_pipe(
        "6,100,1000,-,caller=T17;usb 1-1: new high-speed USB device number 2\n\
         6,101,1001,-,caller=T99;p2pmem: unwrap: 0000:05:00.0 has no wrapped BAR\n\
         6,102,1002,-,caller=T4242;nvme 0000:03:00.0: p2pmem: bound to driver nvme, which may \
         use BAR 2; unbind it or add 'force'\n \
         SUBSYSTEM=pci\n \
         DEVICE=+pci:0000:03:00.0\n",
    );
    let r = run_on(&sys, &["wrap", "03:00.0", "2"]);
    assert_eq!((r.code, r.out.as_str()), (2, ""));
    let path = sys.sys().join("class/p2pmem/wrap");
    assert_eq!(
        r.err,
        format!(
            "p2pmem: {}: No space left on device (ENOSPC); kernel log: nvme 0000:03:00.0: \
             p2pmem: bound to driver nvme, which may use BAR 2; unbind it or add 'force'\n",
            path.display()
        )
    );
}

#[test]
fn every_control_file_reports_the_kernel_log() {
    let sys = FakeSys::with(&q35_switch());
    for f in ["unwrap", "flush", "host_bridge_allow"] {
        symlink("/dev/full", sys.class_dir().join(f)).unwrap();
    }
    // Without caller fields: every p2pmem line logged after the write.
    let _log = sys.kmsg_pipe(
        "4,7,1,-;nvme 0000:03:00.0: p2pmem: wrapping BAR 2 although driver nvme is bound\n\
         3,8,2,-;nvme 0000:03:00.0: p2pmem: BAR 2 range 0xfe000000+0x200000 is busy\n\
         6,9,3,-;e1000e 0000:00:19.0 eth0: NIC Link is Up\n",
    );
    let r = run_on(&sys, &["unwrap", "03:00.0"]);
    assert_eq!(r.code, 2);
    assert!(
        r.err.ends_with(
            "(ENOSPC); kernel log:\n  nvme 0000:03:00.0: p2pmem: wrapping BAR 2 although driver \
             nvme is bound\n  nvme 0000:03:00.0: p2pmem: BAR 2 range 0xfe000000+0x200000 is \
             busy\n"
        ),
        "{}",
        r.err
    );
    // The log was read: the next write finds nothing new in it.
    for args in [&["flush"][..], &["allow-host-bridge", "8086:29c0"]] {
        let r = run_on(&sys, args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.err.ends_with(
                "No space left on device (ENOSPC); the kernel log has no p2pmem line for this \
                 write (refusals are rate-limited; see dmesg)\n"
            ),
            "{args:?}: {}",
            r.err
        );
    }
}

#[test]
fn without_the_module_writes_fail() {
    let sys = FakeSys::with(&q35_switch());
    for args in [
        &["wrap", "03:00.0", "2"][..],
        &["unwrap", "03:00.0"],
        &["allow-host-bridge", "8086:29c0"],
    ] {
        let r = run_on(&sys, args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.err
                .contains("No such file or directory (ENOENT); is p2pmem.ko loaded?"),
            "{args:?}: {}",
            r.err
        );
    }
    assert!(!sys.sys().join("class/p2pmem").exists());
}

#[test]
fn allow_host_bridge_adds_and_removes() {
    let sys = FakeSys::with(&q35_switch());
    sys.class_file("host_bridge_allow", "");
    let r = run_on(&sys, &["allow-host-bridge", "8086:29C0"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.out, "host bridge 8086:29c0 allowed\n");
    assert_eq!(sys.read_class_file("host_bridge_allow"), "8086:29c0\n");

    sys.class_file("host_bridge_allow", "");
    let r = run_on(
        &sys,
        &["--json", "allow-host-bridge", "--remove", "8086:29c0"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(sys.read_class_file("host_bridge_allow"), "-8086:29c0\n");
    assert_eq!(
        r.json(),
        serde_json::json!({ "id": "8086:29c0", "allowed": false })
    );

    for bad in ["0000:0000", "8086", "8086:29c0,1b36:000c", "xyz:1"] {
        sys.class_file("host_bridge_allow", "");
        let r = run_on(&sys, &["allow-host-bridge", bad]);
        assert_eq!(r.code, 2, "{bad}");
        assert_eq!(sys.read_class_file("host_bridge_allow"), "", "{bad}");
    }
    let r = run_on(&sys, &["allow-host-bridge", "--list", "--remove"]);
    assert_eq!(r.code, 2);
}

#[test]
fn allow_host_bridge_lists() {
    let sys = FakeSys::with(&q35_switch());
    // Without the module: the built-in list, and a note.
    let r = run_on(&sys, &["--json", "allow-host-bridge", "--list"]);
    assert_eq!(r.code, 0);
    assert!(r.err.contains("built-in entries only"), "{}", r.err);
    let j = r.json();
    assert_eq!(j["module_loaded"], false);
    assert_eq!(
        j["entries"][0],
        serde_json::json!({ "id": "8086:3c00", "builtin": true, "same_host_bridge_only": true })
    );
    assert_eq!(
        j["entries"].as_array().unwrap().len(),
        p2pmem_policy::host_bridge::BUILTIN_ALLOWLIST.len()
    );

    sys.class_file(
        "host_bridge_allow",
        "8086:29c0\n8086:3c00 builtin same-host-bridge\n1ae0:* builtin\n",
    );
    let r = run_on(&sys, &["allow-host-bridge", "--list"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.err, "");
    assert_eq!(
        r.out,
        "8086:29c0\n8086:3c00 builtin same-host-bridge\n1ae0:* builtin\n"
    );
    let r = run_on(&sys, &["--json", "allow-host-bridge", "--list"]);
    assert_eq!(
        r.json(),
        serde_json::json!({ "module_loaded": true, "entries": [
            { "id": "8086:29c0", "builtin": false, "same_host_bridge_only": false },
            { "id": "8086:3c00", "builtin": true, "same_host_bridge_only": true },
            { "id": "1ae0:*", "builtin": true, "same_host_bridge_only": false },
        ]})
    );

    fs::write(sys.class_dir().join("host_bridge_allow"), "what is this\n").unwrap();
    let r = run_on(&sys, &["allow-host-bridge", "--list"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("unexpected line"), "{}", r.err);
}

// SPDX-License-Identifier: GPL-2.0

//! `p2pmem cache` and `p2pmem flush` on fake files.

use std::fs;

use super::{fake::*, run_on};

fn write_cache(sys: &FakeSys, text: &str) {
    let dir = sys.sys().join("kernel/debug/p2pmem");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("cache"), text).unwrap();
}

#[test]
fn cache_lists_the_cached_verdicts() {
    let sys = FakeSys::with(&q35_switch());
    write_cache(
        &sys,
        "generation=3\n0000:05:00.0 0000:03:00.0 BUS_ADDR 4\n0000:05:00.0 0000:0a:00.0 \
         NOT_SUPPORTED 6\n",
    );
    let r = run_on(&sys, &["cache"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.out,
        "generation 3 (2 cached verdicts)\n\
         PROVIDER      CLIENT        MAP_TYPE       DISTANCE\n\
         0000:05:00.0  0000:03:00.0  BUS_ADDR       4\n\
         0000:05:00.0  0000:0a:00.0  NOT_SUPPORTED  6\n"
    );
    let j = run_on(&sys, &["--json", "cache"]).json();
    assert_eq!(j["generation"], 3);
    assert_eq!(j["entries"][1]["map_type"], "NOT_SUPPORTED");
    assert_eq!(j["entries"][1]["client"], "0000:0a:00.0");

    write_cache(&sys, "generation=0\n");
    assert_eq!(
        run_on(&sys, &["cache"]).out,
        "generation 0 (0 cached verdicts)\n"
    );
}

#[test]
fn a_bad_cache_file_or_none_is_an_error() {
    let sys = FakeSys::with(&q35_switch());
    let r = run_on(&sys, &["cache"]);
    assert_eq!(r.code, 2);
    assert!(
        r.err.contains("is p2pmem.ko loaded and debugfs mounted"),
        "{}",
        r.err
    );
    for bad in [
        "",
        "gen=1\n",
        "generation=1\n0000:05:00.0 0000:03:00.0 BUS_ADDR\n",
        "generation=1\n0000:05:00.0 0000:03:00.0 MAYBE 4\n",
        "generation=1\nxx 0000:03:00.0 BUS_ADDR 4\n",
    ] {
        write_cache(&sys, bad);
        let r = run_on(&sys, &["cache"]);
        assert_eq!(r.code, 2, "{bad:?}: {r:?}");
        assert!(r.err.starts_with("p2pmem: "), "{}", r.err);
    }
}

#[test]
fn flush_writes_the_flush_file_and_counts_what_went() {
    let sys = FakeSys::with(&q35_switch());
    // No class directory: the module is not loaded.
    let r = run_on(&sys, &["flush"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("is p2pmem.ko loaded?"), "{}", r.err);

    sys.class_file("flush", "");
    let r = run_on(&sys, &["flush"]);
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, "verdict cache flushed\n"),
        "{r:?}"
    );
    assert_eq!(sys.read_class_file("flush"), "1\n");

    // A regular file cannot empty itself: the counts are what the files say.
    write_cache(&sys, "generation=1\n0000:05:00.0 0000:03:00.0 BUS_ADDR 4\n");
    let j = run_on(&sys, &["--json", "flush"]).json();
    assert_eq!(j["dropped"], 1);
    assert_eq!(j["generation"], 1);
}

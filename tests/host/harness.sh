#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of the test harness itself: the KUnit results parser of tests/vm/run and
# scripts/splat-scan. Prints "p2pmem-test: ok|not ok NAME" lines like the VM tests.
. "$(dirname "$0")/lib"

# A suite with a passing and a failing case, and one whose results were cut short.
mkdir -p "$tmp/kunit/p2pmem_a" "$tmp/kunit/p2pmem_b" "$tmp/kunit/other"
cat >"$tmp/kunit/p2pmem_a/results" <<'KTAP'
KTAP version 1
1..1
    KTAP version 1
    # Subtest: p2pmem_a
    1..2
    ok 1 first_case
    # second_case: ASSERTION FAILED at x.rs:1
    not ok 2 second_case
# p2pmem_a: pass:1 fail:1 skip:0 total:2
not ok 1 p2pmem_a
KTAP
cat >"$tmp/kunit/p2pmem_b/results" <<'KTAP'
KTAP version 1
1..1
    KTAP version 1
    # Subtest: p2pmem_b
    1..3
    ok 1 only_case
KTAP
printf '    ok 1 not_ours\n' >"$tmp/kunit/other/results"

# The kernel's KTAP parser, as vm-run names it for the guest.
kunit_py=$("$top/scripts/fetch-kernel" | tail -n 1)/tools/testing/kunit/kunit.py
parse() {
	KUNIT_DEBUGFS="$tmp/kunit" P2PMEM_KUNIT_PY="$kunit_py" bash "$top/tests/vm/run" --kunit |
		grep '^p2pmem-test: .*kunit'
}
out=$(parse)
check kunit-parse-passing grep -qx 'p2pmem-test: ok kunit.p2pmem_a.first_case' <<<"$out"
check kunit-parse-failing grep -qx 'p2pmem-test: not ok kunit.p2pmem_a.second_case' <<<"$out"
check kunit-parse-short-plan grep -qx \
	'p2pmem-test: not ok kunit.p2pmem_b (1 results for plan 3)' <<<"$out"
check kunit-parse-other-suites-ignored bash -c "! grep -q not_ours <<<'$out'"
check kunit-parse-line-count test "$(wc -l <<<"$out")" = 4
rm -rf "$tmp/kunit"/p2pmem_*
check kunit-parse-no-suites grep -qx \
	'p2pmem-test: not ok kunit (no p2pmem suites in /sys/kernel/debug/kunit)' <<<"$(parse)"
no_parser() { KUNIT_DEBUGFS="$tmp/kunit" P2PMEM_KUNIT_PY= bash "$top/tests/vm/run" --kunit; }
check kunit-parse-needs-the-kernels-parser grep -qx \
	"p2pmem-test: not ok kunit (no kunit.py: P2PMEM_KUNIT_PY='')" <<<"$(no_parser)"

# splat-scan: ordinary messages are clean, splats are not.
cat >"$tmp/clean" <<'LOG'
[    1.0] nvme nvme0: failed to register the CMB
[    2.0] p2pmem: class registered
[    3.0] KTAP version 1
LOG
check splat-clean-log "$top/scripts/splat-scan" "$tmp/clean"
for splat in "WARNING: CPU: 0 PID: 1 at lib/x.c:1 f+0x0/0x10" "kernel BUG at lib/genalloc.c:518!" \
	"BUG: KASAN: use-after-free in f+0x1/0x2" "Oops: invalid opcode: 0000 [#1] SMP" \
	"Call Trace:" "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" \
	"WARNING: possible circular locking dependency detected"; do
	{ cat "$tmp/clean"; printf '[    4.0] %s\n' "$splat"; } >"$tmp/dirty"
	check "splat-found: ${splat%% *}" bash -c "! '$top/scripts/splat-scan' '$tmp/dirty' >/dev/null"
done

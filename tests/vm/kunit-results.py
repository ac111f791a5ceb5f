#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reports the KUnit results of p2pmem's suites as p2pmem-test lines, parsed by the kernel's
own KTAP parser (tools/testing/kunit/kunit.py parse --json).

    kunit-results.py KUNIT_PY DEBUGFS

DEBUGFS is /sys/kernel/debug/kunit or a tree like it; each p2pmem_* suite's "results" file is a
KTAP document. Prints "p2pmem-test: ok|not ok kunit.SUITE.CASE" for each case and, when a suite
has fewer results than its plan or the parser found errors, one "not ok kunit.SUITE (N results
for plan M)" line; the KTAP of a failing suite follows, indented.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile


def report(ok, name):
    print(f"p2pmem-test: {'ok' if ok else 'not ok'} {name}")


def parse(kunit_py, results):
    """The suite groups kunit.py finds in RESULTS, or None when it cannot parse them."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        # kunit.py exits 1 when a case failed; the JSON is written either way.
        subprocess.run([sys.executable, kunit_py, "parse", f"--json={out}", results],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            with open(out, encoding="utf-8") as f:
                top = json.load(f)
        except (OSError, ValueError):
            return None
    return top.get("sub_groups") or [top]


def main():
    kunit_py, debugfs = sys.argv[1], sys.argv[2]
    found = False
    for results in sorted(glob.glob(os.path.join(debugfs, "p2pmem_*", "results"))):
        found = True
        suite = os.path.basename(os.path.dirname(results))
        groups = parse(kunit_py, results)
        bad = groups is None
        named = 0
        plan = None
        for g in groups or []:
            for case in g.get("test_cases", []):
                if not case.get("name"):
                    continue
                named += 1
                ok = case.get("status") in ("PASS", "SKIP")
                bad |= not ok
                report(ok, f"kunit.{suite}.{case['name']}")
            misc = g.get("misc", {})
            plan = misc.get("tests")
            if misc.get("errors") or misc.get("crashed"):
                report(False, f"kunit.{suite} ({named} results for plan {plan})")
                bad = True
        if groups is None or named == 0:
            report(False, f"kunit.{suite} ({named} results for plan {plan or 'none'})")
        if bad:
            with open(results, encoding="utf-8", errors="replace") as f:
                sys.stdout.write("".join("    " + line for line in f))
    if not found:
        report(False, "kunit (no p2pmem suites in /sys/kernel/debug/kunit)")


if __name__ == "__main__":
    main()

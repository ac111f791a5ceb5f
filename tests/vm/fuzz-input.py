#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes random and malformed input to p2pmem's control files and checks each refusal.

    fuzz-input.py N SEED FILE:KIND [FILE:KIND...]

KIND names the file's syntax (wrap, unwrap, allow, query, bool, select). For each file,
N writes of input that is never valid for it: random bytes with at least one byte no syntax
accepts, and well-formed lines with one bad part (bad address, BAR, size, vendor ID, an extra
word...); for a kstrtobool() file (bool), input whose first characters are no boolean. Every write must fail, with an errno the kind allows (EINVAL for syntax, ENODEV for a
function that does not exist, ENOENT for nothing to unwrap), and the state the file shows
(what it reads, plus the provider list) must be the same after each write as before it. Prints
one line per file: "FILE: N writes, errno counts"; exits 1 after the first violation."""

import errno
import os
import random
import sys

CLASS = "/sys/class/p2pmem"

# Bytes that appear in no valid input of any kind (all are printable-ASCII, hex, ':' '.' ',' '-'
# '+' space, newline or letters otherwise).
POISON = [bytes([b]) for b in list(range(1, 9)) + list(range(14, 32)) + list(range(127, 256))]
POISON += [c.encode() for c in "!\"#$%&'()*;<=>?@[\\]^`{|}~"]

BAD_ADDR = ["0000:ff:1f.7", "0001:00:00.0", "0000:fe:00.0",  # well formed, no such function
            "10000:00:00.0"]
MALFORMED_ADDR = ["0000:00:00", "zzzz:00:00.0", "0000:00:00.8", "100000000:00:00.0",
                  "0000:000:00.0",
                  "0000:00:20.0", ":00:00.0", "0000::00.0", "0000:00:00.", "00:00", "-1",
                  "0x0000:00:00.0", "0000:00:00.0.0", "0000:g0:00.0"]
BAD_BAR = ["6", "7", "-1", "99999999999999999999", "0x2", "2.0", "b2", "1e1"]
BAD_SIZE = ["-2M", "18446744073709551616", "1X", "2MM", "M", "0x", "1e9", "9999999999999E"]


def words(n):
    return " ".join(n)


def malformed(kind, addr):
    """A line of KIND's syntax with one bad part; ADDR is a real PCI function."""
    r = random.random
    if kind in ("wrap", "unwrap", "query", "select"):
        a = random.choice(MALFORMED_ADDR + BAD_ADDR)
        if kind == "query":
            pair = [a, addr] if r() < 0.5 else [addr, a]
            line = words(pair + ([random.choice(["extra", addr, "x"])] if r() < 0.3 else []))
        elif kind == "select":
            line = a
        elif kind == "unwrap":
            line = words([a] + ([random.choice(["2", "0"])] if r() < 0.5 else []))
        else:
            parts = [addr, "2", "2M", "0"]
            i = random.randrange(4)
            parts[i] = [a, random.choice(BAD_BAR), random.choice(BAD_SIZE),
                        random.choice(BAD_SIZE)][i]
            parts = parts[: random.randint(i + 1, 4)]
            if r() < 0.2:
                parts.append(random.choice(["forc", "force force", "FORCE", "1"]))
            line = words(parts)
    elif kind == "allow":
        bad = ["1af4", "1af4:", ":1110", "1af4:11100", "g000:0000", "-", "--1af4:1110",
               "1af4;1110", "0x1af4:1110", "1af4:1110:0", "+1af4:1110", "1af4 :1110"]
        line = ",".join(random.choice(bad) for _ in range(random.randint(1, 3)))
    elif kind == "bool":
        # kstrtobool(), as every nvmet attribute and flush: only the first one or two characters
        # count.
        return random.choice([b"2", b"-1", b"+1", b"ja", b"o", b"ox", b"?1", b"\x001"])
    else:
        raise ValueError(kind)
    if r() < 0.3:
        line = random.choice([" ", "  ", "\t"]) * random.randint(0, 1) + line + \
            random.choice(["", "\n", " ", "\n\n", "\t"])
    return line.encode()


def garbage(kind):
    """Random bytes with a poison byte among the first 64, so a truncated write is bad too (the
    first byte where kstrtobool() decides: a boolean file, a selection without ':')."""
    n = random.choice([1, 2, 3, 8, 16, 40, 64, 200, 1000, 4000, 5000])
    b = bytearray(os.urandom(n))
    i = 0 if kind in ("bool", "select") else random.randrange(min(n, 64))
    b[i: i + 1] = random.choice(POISON)
    return bytes(b)


# errno each kind may answer; anything else (or success) is a violation.
ALLOWED = {
    "wrap": {errno.EINVAL, errno.ENODEV},
    "unwrap": {errno.EINVAL, errno.ENOENT},  # no wrap of that function, existing or not
    "allow": {errno.EINVAL},
    "query": {errno.EINVAL, errno.ENODEV},
    "bool": {errno.EINVAL},
    "select": {errno.EINVAL, errno.ENODEV},
}


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        if e.errno in (errno.EINVAL, errno.EPERM, errno.EACCES):  # write-only files
            return b""
        raise


def state(path):
    return (read(path), sorted(os.listdir(CLASS)), read(CLASS + "/wrap"),
            read(CLASS + "/host_bridge_allow"))


def fuzz(path, kind, n, addr):
    counts = {}
    before = state(path)
    for i in range(n):
        data = garbage(kind) if i % 2 else malformed(kind, addr)
        try:
            fd = os.open(path, os.O_WRONLY)
        except OSError as e:
            print(f"{path}: cannot open: {e}")
            return False
        try:
            os.write(fd, data)
            err = 0
        except OSError as e:
            err = e.errno
        finally:
            os.close(fd)
        if err not in ALLOWED[kind]:
            what = "accepted" if not err else f"refused with {errno.errorcode.get(err, err)}"
            print(f"{path}: {data[:120]!r} {what}; expected one of "
                  f"{sorted(errno.errorcode[e] for e in ALLOWED[kind])}")
            return False
        counts[errno.errorcode[err]] = counts.get(errno.errorcode[err], 0) + 1
        after = state(path)
        if after != before:
            print(f"{path}: state changed after the refused write {data[:120]!r}:\n"
                  f"  before {before!r}\n  after  {after!r}")
            return False
    print(f"{path}: {n} writes, " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return True


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    addr = os.environ["FUZZ_ADDR"]
    random.seed(seed)
    for spec in sys.argv[3:]:
        path, kind = spec.rsplit(":", 1)
        if not fuzz(path, kind, n, addr):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

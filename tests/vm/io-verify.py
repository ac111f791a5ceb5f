# SPDX-License-Identifier: GPL-2.0
"""Writes and reads back a block device until told to stop (tests/vm/hotplug.sh).

    python3 io-verify.py DEVICE STOPFILE

Loops over random blocks of 4 KiB to 256 KiB in the first 32 MiB: O_DIRECT write of random
data, read back, compare. An I/O error is counted and the loop goes on; data that reads back
different is counted as corrupted and described on stderr. Stops when STOPFILE exists and prints
"ops=N errors=N corrupted=N" (ops: blocks written and verified).
"""

import mmap
import os
import random
import sys
import time

dev, stop = sys.argv[1], sys.argv[2]
fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
wbuf = mmap.mmap(-1, 256 << 10)
rbuf = mmap.mmap(-1, 256 << 10)
ops = errors = corrupted = 0
shadow = bytearray(32 << 20)
while not os.path.exists(stop):
    size = random.randrange(1, 65) * 4096
    off = random.randrange(0, (32 << 20) - size, 4096)
    data = os.urandom(size)
    wbuf[:size] = data
    try:
        if os.pwritev(fd, [memoryview(wbuf)[:size]], off) != size:
            raise OSError("short write")
        if os.preadv(fd, [memoryview(rbuf)[:size]], off) != size:
            raise OSError("short read")
    except OSError:
        errors += 1
        time.sleep(0.1)
        continue
    got = rbuf[:size]
    if got == data:
        shadow[off:off + size] = data
        ops += 1
        continue
    corrupted += 1
    # Say what came back, and whether it is still there on a second read (a write that stored
    # the wrong data) or not (a read that returned it).
    again = b""
    try:
        if os.preadv(fd, [memoryview(rbuf)[:size]], off) == size:
            again = rbuf[:size]
    except OSError:
        pass
    bad = [i for i in range(0, size, 4096) if got[i:i + 4096] != data[i:i + 4096]]
    first = bad[0]
    page = got[first:first + 4096]
    kind = ("zeros" if page == bytes(4096) else "0xff" if page == b"\xff" * 4096
            else "the old data" if page == shadow[off + first:off + first + 4096] else "other")
    sys.stderr.write("io-verify: %.3f: block at %#x, %d KiB: %d of %d pages differ, first at +%#x"
                     " holds %s; a second read %s\n"
                     % (time.clock_gettime(time.CLOCK_MONOTONIC), off, size >> 10, len(bad),
                        size // 4096, first, kind,
                        "matches the write" if again == data else "differs too"))
    shadow[off:off + size] = again or got
print("ops=%d errors=%d corrupted=%d" % (ops, errors, corrupted))

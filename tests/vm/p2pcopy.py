#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Copies TOTAL bytes from block device SRC to DST with O_DIRECT, CHUNK bytes at a time,
through a buffer mmap()ed from a p2pmem provider (/dev/p2pmemN or its sysfs allocate file), so
the devices DMA straight to and from the provider's BAR.

    p2pcopy.py P2PMEM_FILE SRC DST CHUNK TOTAL

Exit status 0 on success, 3 when the buffer cannot take O_DIRECT I/O (EFAULT: a CPU-only
mapping), 1 on any other error."""

import errno
import mmap
import os
import sys


def copy(buf, s, d, chunk, total):
    """Copies TOTAL bytes from fd S to fd D through BUF, CHUNK bytes at a time."""
    for off in range(0, total, chunk):
        if os.preadv(s, [buf], off) != chunk or os.pwritev(d, [buf], off) != chunk:
            raise OSError(errno.EIO, f"short I/O at {off}")


def main():
    path, src, dst = sys.argv[1:4]
    chunk, total = int(sys.argv[4], 0), int(sys.argv[5], 0)
    fd = os.open(path, os.O_RDWR)
    buf = mmap.mmap(fd, chunk, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    s = os.open(src, os.O_RDONLY | os.O_DIRECT)
    d = os.open(dst, os.O_WRONLY | os.O_DIRECT)
    try:
        copy(buf, s, d, chunk, total)
    except OSError as e:
        print(f"p2pcopy: {e}", file=sys.stderr)
        return 3 if e.errno == errno.EFAULT else 1
    finally:
        os.close(s)
        os.close(d)
        buf.close()
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())

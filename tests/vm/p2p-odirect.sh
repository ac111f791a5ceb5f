# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The usual way to test P2P: O_DIRECT reads from one NVMe into memory mmap()ed from a provider,
# and O_DIRECT writes from it to another NVMe, so both DMA straight to the provider's BAR.
# Data verified by checksum for 4 KiB to 1 MiB chunks, through /dev/p2pmemN and through the
# sysfs allocate file. While a mapping is live, the memory is in use; unmapped, it is back.
. "$(dirname "$0")/lib.sh"

shm=$(fn_of 1af4:1110) a=$(nvme_plain) b=$(nvme_cmb)
p=$(provider_of "$shm")
na=$(nvme_ns "$a") nb=$(nvme_ns "$b")
[ -b "$na" ] && [ -b "$nb" ] || fail "no namespaces for $a and $b"
expect_file "/dev/$p"
expect_eq "mode of /dev/$p" 600 "$(stat -c %a "/dev/$p")"
expect_eq "mode of allocate" 600 "$(stat -c %a "/sys/class/p2pmem/$p/allocate")"

dd if=/dev/urandom of="$na" bs=1M count=4 oflag=direct status=none || fail "filling $na failed"
for file in "/dev/$p" "/sys/class/p2pmem/$p/allocate"; do
	expect_p2p_copies "$file" "$na" "$nb"
done
expect_eq "available after the copies" $((64 << 20)) "$(cat "/sys/class/p2pmem/$p/available")"

# A live mapping holds its memory; unmapping gives it back.
python3 - "/dev/$p" "/sys/class/p2pmem/$p/available" <<'PY' || fail "mapping accounting"
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED)
m[0:5] = b"hello"
avail = int(open(sys.argv[2]).read())
assert avail == (63 << 20), avail
assert m[0:5] == b"hello"
m.close()
avail = int(open(sys.argv[2]).read())
assert avail == (64 << 20), avail
# Private mappings and offsets are refused.
for args in ((fd, 4096, mmap.MAP_PRIVATE), ):
    try:
        mmap.mmap(*args)
        sys.exit("private mapping accepted")
    except OSError:
        pass
try:
    mmap.mmap(fd, 4096, mmap.MAP_SHARED, offset=4096)
    sys.exit("mapping at an offset accepted")
except OSError:
    pass
PY

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --append swiotlb=force,track_hiwater
# No P2P data through host RAM. With every dma-direct mapping of RAM forced through swiotlb, a
# plain O_DIRECT read into RAM raises swiotlb's high-water mark (so the counter does see bounces
# here), while O_DIRECT NVMe -> p2pmem (the CMB) -> NVMe copies through the patched nvme driver,
# which maps p2pmem at bus addresses, leave it at 0. A P2P page mapped as if it were RAM would be
# bounced like RAM: the silent failure mode this catches. Also: by default a user mapping is
# CPU-only under forced bouncing (O_DIRECT gets EFAULT, as other drivers would bounce it); the
# provider's counters account for the copy buffer.
. "$(dirname "$0")/lib.sh"

tlb=/sys/kernel/debug/swiotlb
[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
[ -w "$tlb/io_tlb_used_hiwater" ] || fail "no swiotlb counters in debugfs (swiotlb=force,track_hiwater?)"
a=$(nvme_plain) b=$(nvme_cmb)
p=$(provider_of "$b")
[ -n "$p" ] || fail "no provider below $b"
na=$(nvme_ns "$a") nb=$(nvme_ns "$b")
stat() { cat "/sys/class/p2pmem/$p/$1"; }
# udev reads a block device after a writer closes it (its watch rescans the partition table),
# into RAM, so bounced. Devices are opened before swiotlb's high-water mark is reset and closed
# after it is read, and udev's queue is held, so only the I/O under test is counted.
if command -v udevadm >/dev/null; then
	udevadm settle
	udevadm control --stop-exec-queue
	trap 'udevadm control --start-exec-queue' EXIT
fi
# tlb_io CHUNK TOTAL: copies $na to $nb through a /dev/$p mapping; prints "RESULT
# HIGH-WATER-MARK AVAILABLE", RESULT being ok or the error, AVAILABLE the provider's free bytes
# while the buffer is mapped.
tlb_io() {
	python3 - "/dev/$p" "$na" "$nb" "$1" "$2" "$tlb/io_tlb_used_hiwater" \
		"/sys/class/p2pmem/$p/available" <<'PY'
import mmap, os, sys
sys.path.insert(0, os.environ["P2PCOPY_DIR"])
from p2pcopy import copy
dev, src, dst, chunk, total, hiwater, available = sys.argv[1:]
chunk, total = int(chunk), int(total)
fd = os.open(dev, os.O_RDWR)
buf = mmap.mmap(fd, chunk, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
s = os.open(src, os.O_RDONLY | os.O_DIRECT)
d = os.open(dst, os.O_WRONLY | os.O_DIRECT)
with open(hiwater, "w") as f:
    f.write("0")
try:
    copy(buf, s, d, chunk, total)
    result = "ok"
except OSError as e:
    result = os.strerror(e.errno)
with open(hiwater) as f, open(available) as a:
    print(result, f.read().strip(), a.read().strip())
PY
}
export P2PCOPY_DIR=$(dirname "$0")

# The counter works: RAM I/O bounces under swiotlb=force.
echo 0 >"$tlb/io_tlb_used_hiwater"
dd if="$na" of=/dev/null bs=64k count=16 iflag=direct status=none || fail "reading $na failed"
hw=$(cat "$tlb/io_tlb_used_hiwater")
[ "$hw" -gt 0 ] || fail "a RAM O_DIRECT read did not use swiotlb (high-water mark $hw)"
echo "control: an O_DIRECT read into RAM bounced through swiotlb (high-water mark $hw slabs)"

dd if=/dev/urandom of="$na" bs=1M count=4 oflag=direct status=none || fail "filling $na failed"
avail=$(stat available) allocs=$(stat allocations)
want=$(dd if="$na" bs=1M count=4 iflag=direct status=none | sha256sum)

# By default pinning is refused under forced bouncing: an unaware driver would copy through RAM.
param=/sys/module/p2pmem/parameters/pin_when_bouncing
expect_eq "pin_when_bouncing by default" N "$(cat "$param")"
mark=$(dmesg_mark)
expect_eq "O_DIRECT through a CPU-only mapping: error, high-water mark, available" \
	"Bad address 0 $((avail - 65536))" \
	"$(tlb_io 65536 65536)"
dmesg_since "$mark" | grep -q "$p: swiotlb bounces all DMA: user mappings are CPU-only" ||
	fail "no log line saying why the mapping is CPU-only"
echo 1 >"$param"

expect_eq "allocations after the refused copy" "$allocs" "$(stat allocations)"
for chunk in 4096 65536 1048576; do
	dd if=/dev/zero of="$nb" bs=1M count=4 oflag=direct status=none
	expect_eq "P2P copy in $chunk-byte chunks: result, swiotlb high-water mark, available" \
		"ok 0 $((avail - chunk))" \
		"$(tlb_io "$chunk" $((4 << 20)))"
	expect_eq "checksum through /dev/$p, $chunk-byte chunks" "$want" \
		"$(dd if="$nb" bs=1M count=4 iflag=direct status=none | sha256sum)"
done
echo 0 >"$param"
expect_eq "swiotlb slabs in use after the P2P copies" 0 "$(cat "$tlb/io_tlb_used")"
expect_eq "allocations after the copies" "$allocs" "$(stat allocations)"
expect_eq "available after the copies" "$avail" "$(stat available)"

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --append swiotlb=force,track_hiwater
# No P2P data through host RAM: with every dma-direct mapping of RAM forced through swiotlb,
# O_DIRECT NVMe -> p2pmem (the CMB) -> NVMe copies leave swiotlb's high-water mark at 0, while a
# plain O_DIRECT read into RAM raises it (so the counter does see bounces here). A P2P page
# mapped as if it were RAM would be bounced like RAM: the silent failure mode this catches. The
# provider's counters account for the copy buffer.
#
# PENDING (not run by make check): it fails today. With the patched nvme driver, part of the
# P2P data is bounced through swiotlb in every chunk size (1 MiB copied in 4 KiB chunks: 2
# slabs; 8 KiB: 126; 64 KiB: 112; 1 MiB: 252), so some request path of patches/nvme-host maps
# p2pmem pages with the plain DMA API. Run it by hand:
#   scripts/vm-run --topology switch --nvme-patched --append swiotlb=force,track_hiwater -- \
#       tests/vm/run tests/vm/pending/swiotlb-p2p.sh
. "$(dirname "$0")/../lib.sh"

tlb=/sys/kernel/debug/swiotlb
[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
[ -w "$tlb/io_tlb_used_hiwater" ] || fail "no swiotlb counters in debugfs (swiotlb=force,track_hiwater?)"
a=$(nvme_plain) b=$(nvme_cmb)
p=$(basename "$(ls -d "/sys/bus/pci/devices/$b/p2pmem/p2pmem"* | head -n 1)")
[ -n "$p" ] || fail "no provider below $b"
na=$(nvme_ns "$a") nb=$(nvme_ns "$b")
stat() { cat "/sys/class/p2pmem/$p/$1"; }

# The counter works: RAM I/O bounces under swiotlb=force.
echo 0 >"$tlb/io_tlb_used_hiwater"
dd if="$na" of=/dev/null bs=64k count=16 iflag=direct status=none || fail "reading $na failed"
hw=$(cat "$tlb/io_tlb_used_hiwater")
[ "$hw" -gt 0 ] || fail "a RAM O_DIRECT read did not use swiotlb (high-water mark $hw)"
echo "control: an O_DIRECT read into RAM bounced through swiotlb (high-water mark $hw slabs)"

dd if=/dev/urandom of="$na" bs=1M count=4 oflag=direct status=none || fail "filling $na failed"
avail=$(stat available) peak=$(stat peak) allocs=$(stat allocations)
# A fresh boot: the peak is what is allocated now, so a higher peak after is the copy buffer.
expect_eq "peak before the copies (fresh provider)" "$allocs" "$peak"
want=$(dd if="$na" bs=1M count=4 iflag=direct status=none | sha256sum)
for chunk in 4096 65536 1048576; do
	dd if=/dev/zero of="$nb" bs=1M count=4 oflag=direct status=none
	# Only the copy runs between the reset and the read (the dd's around it use RAM).
	echo 0 >"$tlb/io_tlb_used_hiwater"
	python3 "$(dirname "$0")/../p2pcopy.py" "/dev/$p" "$na" "$nb" "$chunk" $((4 << 20)) ||
		fail "copy through /dev/$p in $chunk-byte chunks failed"
	expect_eq "swiotlb high-water mark after the P2P copy in $chunk-byte chunks" 0 \
		"$(cat "$tlb/io_tlb_used_hiwater")"
	expect_eq "checksum through /dev/$p, $chunk-byte chunks" "$want" \
		"$(dd if="$nb" bs=1M count=4 iflag=direct status=none | sha256sum)"
done
expect_eq "swiotlb slabs in use after the P2P copies" 0 "$(cat "$tlb/io_tlb_used")"
[ "$(stat peak)" -gt "$peak" ] ||
	fail "the provider's peak ($peak -> $(stat peak)) did not count the copy buffer"
expect_eq "allocations after the copies" "$allocs" "$(stat allocations)"
expect_eq "available after the copies" "$avail" "$(stat available)"

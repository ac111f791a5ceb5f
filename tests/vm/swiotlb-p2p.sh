# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --append swiotlb=force
# No P2P data through host RAM: with every dma-direct mapping of RAM forced through swiotlb,
# O_DIRECT NVMe -> p2pmem (the CMB) -> NVMe copies leave swiotlb's high-water mark at 0, while a
# plain O_DIRECT read into RAM raises it (so the counter does see bounces here). A P2P page
# mapped as if it were RAM would be bounced like RAM: the silent failure mode this catches. The
# provider's counters account for the copy buffer.
. "$(dirname "$0")/lib.sh"

tlb=/sys/kernel/debug/swiotlb
[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
[ -w "$tlb/io_tlb_used_hiwater" ] || fail "no swiotlb counters in debugfs (swiotlb=force?)"
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
echo 0 >"$tlb/io_tlb_used_hiwater"
expect_p2p_copies "/dev/$p" "$na" "$nb"
expect_eq "swiotlb high-water mark after the P2P copies" 0 "$(cat "$tlb/io_tlb_used_hiwater")"
expect_eq "swiotlb slabs in use after the P2P copies" 0 "$(cat "$tlb/io_tlb_used")"
[ "$(stat peak)" -gt "$peak" ] ||
	fail "the provider's peak ($peak -> $(stat peak)) did not count the copy buffer"
expect_eq "allocations after the copies" "$allocs" "$(stat allocations)"
expect_eq "available after the copies" "$avail" "$(stat available)"

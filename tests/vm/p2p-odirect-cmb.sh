# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched
# O_DIRECT NVMe -> p2pmem -> NVMe through the CMB provider of the patched nvme driver: the plain
# NVMe DMAs into the other NVMe's CMB, which then writes from its own CMB (CMBMSC enabled, so
# the controller reads it internally). Data verified by checksum for 4 KiB to 1 MiB chunks.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
a=$(nvme_plain) b=$(nvme_cmb)
p=$(basename "$(ls -d "/sys/bus/pci/devices/$b/p2pmem/p2pmem"* | head -n 1)")
[ -n "$p" ] || fail "no provider below $b"
ns() { basename "$(ls -d /sys/bus/pci/devices/"$1"/nvme/nvme*/nvme*n1 | head -n 1)"; }
na=/dev/$(ns "$a") nb=/dev/$(ns "$b")
avail=$(cat "/sys/class/p2pmem/$p/available")

total=$((4 << 20))
dd if=/dev/urandom of="$na" bs=1M count=4 oflag=direct status=none || fail "filling $na failed"
want=$(dd if="$na" bs=1M count=4 iflag=direct status=none | sha256sum)
for chunk in 4096 65536 1048576; do
	dd if=/dev/zero of="$nb" bs=1M count=4 oflag=direct status=none
	python3 "$(dirname "$0")/p2pcopy.py" "/dev/$p" "$na" "$nb" "$chunk" "$total" ||
		fail "copy through /dev/$p (CMB of $b) in $chunk-byte chunks failed"
	expect_eq "checksum through the CMB, $chunk-byte chunks" "$want" \
		"$(dd if="$nb" bs=1M count=4 iflag=direct status=none | sha256sum)"
done
expect_eq "available after the copies" "$avail" "$(cat "/sys/class/p2pmem/$p/available")"

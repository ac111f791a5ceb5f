# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --nvmet-patched --append log_buf_len=16M
# O_DIRECT NVMe -> p2pmem -> NVMe through the CMB provider of the patched nvme driver: the plain
# NVMe DMAs into the other NVMe's CMB, which then writes from its own CMB (CMBMSC enabled, so
# the controller reads it internally). Data verified by checksum for 4 KiB to 1 MiB chunks.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
a=$(nvme_plain) b=$(nvme_cmb)
p=$(provider_of "$b")
[ -n "$p" ] || fail "no provider below $b"
na=$(nvme_ns "$a") nb=$(nvme_ns "$b")
avail=$(cat "/sys/class/p2pmem/$p/available")
dd if=/dev/urandom of="$na" bs=1M count=4 oflag=direct status=none || fail "filling $na failed"
expect_p2p_copies "/dev/$p" "$na" "$nb"
expect_eq "available after the copies" "$avail" "$(cat "/sys/class/p2pmem/$p/available")"

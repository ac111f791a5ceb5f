# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Real peer-to-peer DMA through the map shim: the edu DMA engine (tests/consumer/p2pmem_edu.c)
# reads p2pmem of a provider into its buffer and writes it back to other p2pmem, at addresses
# from p2pmem_map_sg(); the driver compares every byte. Providers: the ivshmem device (membar
# driver) and the CMB NVMe's BAR 2 (wrapped after unbinding nvme).
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --kunit builds them)"
edu=$(fn_of 1234:11e8) shm=$(fn_of 1af4:1110) cmb=$(nvme_cmb)
insmod "$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_edu.ko" || fail "insmod p2pmem_edu failed"
f=/sys/bus/pci/devices/$edu/p2p_copy
expect_file "$f"

old=
if [ -e "/sys/bus/pci/devices/$cmb/driver" ]; then
	old=$(basename "$(readlink -f "/sys/bus/pci/devices/$cmb/driver")")
	echo "$cmb" >"/sys/bus/pci/devices/$cmb/driver/unbind" || fail "unbind $cmb failed"
fi
echo "$cmb 2" >/sys/class/p2pmem/wrap || fail "wrap $cmb failed"

mark=$(dmesg_mark)
n=0
for provider in "$shm" "$cmb"; do
	for spec in "1 0" "512 0" "4095 0" "4095 123" "3000 2000"; do
		echo "$provider $spec" >"$f" ||
			{ dmesg_since "$mark" | grep p2pmem_edu >&2; fail "copy '$provider $spec' failed"; }
		n=$((n + 1))
	done
done
expect_eq "copies verified" "$n" "$(dmesg_since "$mark" | grep -c 'p2pmem_edu: .* copied and verified')"

# The shim cached the verdicts it used.
for provider in "$shm" "$cmb"; do
	grep -qx "$provider $edu BUS_ADDR 4" /sys/kernel/debug/p2pmem/cache ||
		fail "no cached verdict for $provider -> $edu"
done
# Every allocation was freed.
for p in /sys/class/p2pmem/p2pmem*; do expect_eq "allocations of $p" 0 "$(cat "$p/allocations")"; done

# A function that provides no memory, and a length edu cannot do.
(echo "$edu 16" >"$f") 2>/dev/null && fail "copy from a non-provider succeeded"
(echo "$shm 4096" >"$f") 2>/dev/null && fail "copy of 4096 bytes accepted"
echo "$cmb" >/sys/class/p2pmem/unwrap || fail "unwrap failed"
rmmod p2pmem_edu || fail "rmmod p2pmem_edu failed"
# Leave the CMB NVMe to the driver it had.
[ -z "$old" ] || rebind "$cmb" "$old"

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Runtime providers: /sys/class/p2pmem/wrap and unwrap on the CMB NVMe's BAR 2.
. "$(dirname "$0")/lib.sh"

C=/sys/class/p2pmem
cmb=$(nvme_cmb) shm=$(fn_of 1af4:1110)
providers() { find "$C"/ -mindepth 1 -maxdepth 1 -type l | wc -l; }
# write FILE TEXT: the errno text of a failed write, or "ok".
before=$(providers)

# Refusals: nothing is created and dmesg says why, naming the device.
drv=
[ ! -e "/sys/bus/pci/devices/$cmb/driver" ] ||
	drv=$(basename "$(readlink -f "/sys/bus/pci/devices/$cmb/driver")")
if [ -n "$drv" ] && [ "$drv" != "p2pmem_membar" ]; then
	expect_eq "wrap of a function bound to $drv" "Device or resource busy" "$(write $C/wrap "$cmb 2")"
	dmesg | grep -q "$cmb: p2pmem: bound to driver $drv, which may use BAR 2; unbind it or add 'force'" ||
		fail "no dmesg line for the bound device"
	# nvme requests every memory BAR: force does not get past its claim in /proc/iomem.
	expect_eq "wrap of a function bound to $drv (force)" "Device or resource busy" \
		"$(write $C/wrap "$cmb 2 force")"
	dmesg | grep -q "$cmb: p2pmem: BAR 2 range .* is busy (/proc/iomem); not taking it" ||
		fail "no dmesg line for the busy BAR"
	# Unbound from its driver, the function needs no force.
	echo "$cmb" >"/sys/bus/pci/drivers/$drv/unbind" || fail "unbind from $drv failed"
fi
expect_eq "missing device" "No such device" "$(write $C/wrap "0000:7f:00.0 2")"
expect_eq "garbage" "Invalid argument" "$(write $C/wrap "nvme 2")"
expect_eq "no BAR" "Invalid argument" "$(write $C/wrap "$cmb")"
expect_eq "BAR 1 (upper half of 64-bit BAR 0)" "Invalid argument" "$(write $C/wrap "$cmb 1")"
expect_eq "BAR 0 (registers, so force; 16 KiB, not 2 MiB aligned)" "Invalid argument" "$(write $C/wrap "$cmb 0 force")"
expect_eq "past the end" "Invalid argument" "$(write $C/wrap "$cmb 2 32M 48M")"
expect_eq "misaligned offset" "Invalid argument" "$(write $C/wrap "$cmb 2 2M 1M")"
expect_eq "ivshmem BAR (already a provider)" "Device or resource busy" "$(write $C/wrap "$shm 2")"
dmesg | grep -q "overlaps the provider on $shm BAR 2" || fail "no dmesg line for the overlap"
expect_eq "providers after refusals" "$before" "$(providers)"
expect_eq "wraps after refusals" "" "$(cat $C/wrap)"

# Two halves of the CMB, then the whole is refused as overlapping.
expect_eq "first half" ok "$(write $C/wrap "$cmb 2 32M 0")"
expect_eq "second half" ok "$(write $C/wrap "$cmb 2 32M 32M")"
expect_eq "providers" $((before + 2)) "$(providers)"
expect_eq "whole BAR over the halves" "Device or resource busy" "$(write $C/wrap "$cmb 2")"
expect_eq "wrap list lines" 2 "$(grep -c "^$cmb 2 p2pmem" $C/wrap)"
for n in $(awk '{ print $3 }' $C/wrap); do
	expect_eq "size of $n" $((32 << 20)) "$(cat $C/$n/size)"
	expect_eq "parent of $n" "$cmb" "$(basename "$(readlink -f $C/$n/device)")"
done
expect_eq "offsets" "0 $((32 << 20))" "$(for n in $(awk '{ print $3 }' $C/wrap); do cat $C/$n/offset; done | sort -n | xargs)"

# unwrap ADDRESS takes every wrapped BAR of the function; a second unwrap finds nothing.
expect_eq "unwrap" ok "$(write $C/unwrap "$cmb")"
expect_eq "providers after unwrap" "$before" "$(providers)"
expect_eq "unwrap again" "No such file or directory" "$(write $C/unwrap "$cmb")"
expect_eq "unwrap garbage" "Invalid argument" "$(write $C/unwrap "x")"

# The whole BAR now fits; rmmod with a wrap in place tears it down.
expect_eq "whole BAR" ok "$(write $C/wrap "$cmb 2")"
rmmod p2pmem || fail "rmmod with a wrap failed"
expect_no_file $C
insmod "$P2PMEM_KO" || fail "insmod failed"
expect_eq "wraps after reload" "" "$(cat $C/wrap)"

expect_eq "wrap of an unbound function" ok "$(write $C/wrap "$cmb 2")"
expect_eq "unwrap one BAR" ok "$(write $C/unwrap "$cmb 2")"
if [ -n "$drv" ] && [ "$drv" != "p2pmem_membar" ]; then
	echo "$cmb" >"/sys/bus/pci/drivers/$drv/bind" || fail "rebind to $drv failed"
fi
for f in wrap unwrap; do
	setpriv --reuid 65534 --regid 65534 --clear-groups sh -c "echo '$cmb 2' > $C/$f" \
		2>/dev/null && fail "nobody could write $C/$f"
done
true

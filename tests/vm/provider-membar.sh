# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The memory-BAR driver makes the ivshmem device's BAR 2 a published provider, p2pmemN under
# the PCI function, and tears it down at unbind; a rebind brings it back. The driver binds the
# ivshmem because scripts/vm-guest named it for the driver (driver_override).
. "$(dirname "$0")/lib.sh"

shm=$(fn_of 1af4:1110)
[ -n "$shm" ] || fail "no ivshmem device"
drv=/sys/bus/pci/drivers/p2pmem_membar
expect_eq "driver_override of $shm" p2pmem_membar "$(override_of "$shm")"
expect_eq "driver of $shm" p2pmem_membar "$(basename "$(readlink -f "/sys/bus/pci/devices/$shm/driver")")"

# Earlier tests in this boot may have used the provider: start from a fresh one.
{ echo "$shm" >"$drv/unbind" && echo "$shm" >"$drv/bind"; } || fail "fresh rebind failed"
p=$(provider_dir "$shm")
[ -n "$p" ] || fail "no p2pmem class device below $shm"
name=$(basename "$p")
expect_file "/sys/class/p2pmem/$name"
expect_eq "parent of $name" "$shm" "$(basename "$(readlink -f "$p/device")")"
set -- $(sed -n 3p "/sys/bus/pci/devices/$shm/resource")
bar_start=$1
expect_eq size $((64 << 20)) "$(cat "$p/size")"
expect_eq available $((64 << 20)) "$(cat "$p/available")"
expect_eq published 1 "$(cat "$p/published")"
expect_eq bar 2 "$(cat "$p/bar")"
expect_eq offset 0 "$(cat "$p/offset")"
expect_eq bus_offset 0x0 "$(cat "$p/bus_offset")"
for a in allocations peak alloc_failures; do expect_eq "$a" 0 "$(cat "$p/$a")"; done
for a in size available published bar offset bus_offset allocations peak alloc_failures; do
	expect_eq "mode of $a" 444 "$(stat -c %a "$p/$a")"
done
dmesg | grep -q "p2pmem_membar $shm: $name: 64 MiB of BAR 2 at offset 0x0 (bus $(printf '%#x' "$bar_start"))" ||
	fail "no creation line in dmesg"
# The pages exist: the BAR's range is a ZONE_DEVICE pagemap now (iomem shows it busy).
grep -qi "$(printf '%x' "$bar_start" | sed 's/^0*//')-" /proc/iomem || fail "BAR not in /proc/iomem"

for i in 1 2 3; do
	echo "$shm" >"$drv/unbind" || fail "unbind #$i failed"
	expect_no_file "/sys/class/p2pmem/$name"
	[ -z "$(provider_dir "$shm")" ] || fail "class device left below $shm after unbind"
	echo "$shm" >"$drv/bind" || fail "bind #$i failed"
	p=$(provider_dir "$shm")
	[ -n "$p" ] || fail "no provider after rebind #$i"
	expect_eq "size after rebind #$i" $((64 << 20)) "$(cat "$p/size")"
done

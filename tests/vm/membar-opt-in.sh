# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The memory-BAR driver binds only the devices an administrator names for it (driver_override):
# p2pmem.ko has no PCI alias, so nothing loads it for an ivshmem-plain device; with the
# ivshmem's driver_override cleared and the module reloaded, the ivshmem stays unbound and no
# provider appears for it, whatever bind, drivers_probe or new_id is tried. Named again
# (driver_override, then drivers_probe) it is bound and a provider; a name given while the
# module is unloaded binds it at the next load. scripts/vm-guest named the ivshmem at boot;
# the test leaves it named, bound and a provider, as it found it.
. "$(dirname "$0")/lib.sh"

C=/sys/class/p2pmem
D=/sys/bus/pci/drivers/p2pmem_membar
shm=$(fn_of 1af4:1110)
[ -n "$shm" ] || fail "no ivshmem function"
dev=/sys/bus/pci/devices/$shm
driver_of() { [ ! -e "$dev/driver" ] || basename "$(readlink -f "$dev/driver")"; }
# class_of FUNCTION: the class devices (p2pmemN) whose parent is FUNCTION.
class_of() {
	local c
	for c in "$C"/p2pmem*; do
		[ -e "$c/device" ] || continue
		[ "$(basename "$(readlink -f "$c/device")")" != "$1" ] || basename "$c"
	done
}
# unbound WHAT: the ivshmem has no driver and no provider, and no class device names it.
unbound() {
	expect_eq "$1: driver of $shm" "" "$(driver_of)"
	expect_eq "$1: provider below $shm" "" "$(provider_of "$shm")"
	expect_eq "$1: class devices of $shm" "" "$(class_of "$shm")"
}
# provider WHAT: the ivshmem is bound to p2pmem_membar and its whole BAR 2 a published provider.
provider() {
	local p
	expect_eq "$1: driver of $shm" p2pmem_membar "$(driver_of)"
	p=$(provider_dir "$shm")
	[ -n "$p" ] || fail "$1: no provider below $shm"
	expect_file "$C/${p##*/}"
	expect_eq "$1: size" $((64 << 20)) "$(cat "$p/size")"
	expect_eq "$1: bar" 2 "$(cat "$p/bar")"
	expect_eq "$1: published" 1 "$(cat "$p/published")"
}

# Whatever happens below, the ivshmem ends as the other tests of the boot expect it.
restore() {
	[ -e /sys/module/p2pmem ] || insmod "$P2PMEM_KO"
	echo p2pmem_membar >"$dev/driver_override"
	[ "$(driver_of)" = p2pmem_membar ] || echo "$shm" >/sys/bus/pci/drivers_probe
}
trap restore EXIT

# No alias: modinfo lists none for the module file, so neither depmod nor udev can tie it to
# the ivshmem (or to any PCI device).
aliases=$(modinfo -F alias "$P2PMEM_KO") || fail "modinfo $P2PMEM_KO failed"
! grep -qi '^pci:v00001AF4d00001110' <<<"$aliases" || fail "p2pmem.ko has the ivshmem alias"
expect_eq "PCI aliases of p2pmem.ko" "" "$(grep '^pci:' <<<"$aliases")"

# As scripts/vm-guest left it: named, bound, a provider.
expect_eq "driver_override of $shm at the start" p2pmem_membar "$(override_of "$shm")"
provider "at the start"

# Not named: a reload leaves the ivshmem alone.
rmmod p2pmem || fail "rmmod p2pmem failed"
echo >"$dev/driver_override"
expect_eq "driver_override of $shm cleared" "" "$(override_of "$shm")"
mark=$(dmesg_mark)
insmod "$P2PMEM_KO" || fail "insmod p2pmem failed"
unbound "after the reload"
# Not even probed: the driver logs nothing about it.
! dmesg_since "$mark" | grep -q "p2pmem_membar $shm" ||
	fail "p2pmem_membar probed $shm: $(dmesg_since "$mark" | grep "p2pmem_membar $shm")"
echo "$shm" >/sys/bus/pci/drivers_probe || fail "drivers_probe of $shm failed"
unbound "after drivers_probe"
expect_eq "bind of $shm, not named" "No such device" "$(write "$D/bind" "$shm")"
unbound "after bind"
# new_id: refused with or without driver data (the table has no entry whose data it could
# carry), so the ivshmem cannot come back by ID either.
expect_eq "new_id 1af4 1110" "Invalid argument" "$(write "$D/new_id" "1af4 1110")"
expect_eq "new_id 1af4 1110 with driver data 0" "Invalid argument" \
	"$(write "$D/new_id" "1af4 1110 ffffffff ffffffff 0 0 0")"
expect_eq "new_id 1af4 1110 with driver data 2" "Invalid argument" \
	"$(write "$D/new_id" "1af4 1110 ffffffff ffffffff 0 0 2")"
echo "$shm" >/sys/bus/pci/drivers_probe || fail "drivers_probe of $shm failed"
unbound "after new_id"

# Named while the module is loaded: drivers_probe binds it.
mark=$(dmesg_mark)
echo p2pmem_membar >"$dev/driver_override"
expect_eq "driver_override of $shm named" p2pmem_membar "$(override_of "$shm")"
unbound "named, before drivers_probe"
echo "$shm" >/sys/bus/pci/drivers_probe || fail "drivers_probe of $shm failed"
provider "named, after drivers_probe"
dmesg_since "$mark" | grep -q "p2pmem_membar $shm: p2pmem[0-9]*: 64 MiB of BAR 2 at offset 0x0" ||
	fail "no creation line in dmesg"

# Named while the module is unloaded: bound when it loads.
rmmod p2pmem || fail "rmmod p2pmem failed"
expect_eq "driver_override of $shm after rmmod" p2pmem_membar "$(override_of "$shm")"
insmod "$P2PMEM_KO" || fail "insmod p2pmem failed"
provider "named before the load"

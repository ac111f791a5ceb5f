# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --append lockdown=integrity
# Under lockdown=integrity the kernel refuses user space raw access to PCI BARs (mmap of
# /sys/bus/pci/devices/*/resourceN); p2pmem must not be a way round it. A wrap and a binding of
# the memory-BAR driver (at load of the ivshmem named for it, bind, driver_override) are refused
# with a dmesg line naming the device and the lockdown, and no provider, so no /dev/p2pmemN,
# appears.
. "$(dirname "$0")/lib.sh"

C=/sys/class/p2pmem
D=/sys/bus/pci/drivers/p2pmem_membar
shm=$(fn_of 1af4:1110) cmb=$(nvme_cmb)
[ -n "$shm" ] && [ -n "$cmb" ] || fail "no ivshmem function or no CMB NVMe"
providers() { find "$C"/ -mindepth 1 -maxdepth 1 -type l | xargs -r -n 1 basename | xargs; }
driver_of() { [ ! -e "/sys/bus/pci/devices/$1/driver" ] || basename "$(readlink -f "/sys/bus/pci/devices/$1/driver")"; }
# mmap_errno FILE: maps a page of FILE; prints "ok" or the errno's name.
mmap_errno() {
	python3 -I -S - "$1" <<-'EOF'
	import errno, mmap, os, sys
	try:
	    mmap.mmap(os.open(sys.argv[1], os.O_RDWR | os.O_SYNC), 4096).close()
	    print("ok")
	except OSError as e:
	    print(errno.errorcode[e.errno])
	EOF
}
# no_bypass WHAT: no provider exists, else says that its memory can be mapped.
no_bypass() {
	local p
	p=$(providers)
	[ -z "$p" ] || fail "$1: providers $p exist (mmap of /dev/${p%% *}: $(mmap_errno "/dev/${p%% *}"))"
}

# The mode is in securityfs, which the test kernel lacks (CONFIG_SECURITYFS=n): then the boot
# line the lockdown LSM logs for lockdown= must be there.
if [ -d /sys/kernel/security ]; then
	[ -e /sys/kernel/security/lockdown ] || mount -t securityfs securityfs /sys/kernel/security
	expect_eq "lockdown mode" "none [integrity] confidentiality" "$(cat /sys/kernel/security/lockdown)"
else
	grep -qw lockdown=integrity /proc/cmdline || fail "no lockdown=integrity on the command line"
	dmesg | grep -q "Kernel is locked down from command line" || fail "the kernel is not locked down"
fi
# The kernel's own rule, which p2pmem follows.
expect_eq "mmap of $shm resource2" EPERM "$(mmap_errno "/sys/bus/pci/devices/$shm/resource2")"

# At load the memory-BAR driver matched the ivshmem device, which scripts/vm-guest named for it
# (driver_override): refused.
expect_eq "driver_override of $shm" p2pmem_membar "$(override_of "$shm")"
no_bypass "after load"
expect_eq "driver of $shm" "" "$(driver_of "$shm")"
line="p2pmem_membar $shm: p2pmem: not binding: the kernel is locked down, which forbids user space access to PCI BARs"
dmesg | grep -qF "$line" || fail "no dmesg line for the refused probe of $shm"

mark=$(dmesg_mark)
expect_eq "bind of $shm" "Operation not permitted" "$(write "$D/bind" "$shm")"
no_bypass "after bind"
dmesg_since "$mark" | grep -qF "$line" || fail "no dmesg line for the refused bind of $shm"

# driver_override: any device, here the CMB NVMe, which the driver would serve from its CMB.
# (new_id cannot add to this driver: its ID table is empty, so no driver data is accepted.)
drv=$(driver_of "$cmb")
[ -z "$drv" ] || echo "$cmb" >"/sys/bus/pci/drivers/$drv/unbind" || fail "unbind of $cmb from $drv failed"
mark=$(dmesg_mark)
echo p2pmem_membar >"/sys/bus/pci/devices/$cmb/driver_override"
echo "$cmb" >/sys/bus/pci/drivers_probe
bound=$(driver_of "$cmb")
echo >"/sys/bus/pci/devices/$cmb/driver_override"
[ "$bound" != p2pmem_membar ] || { no_bypass "after driver_override"; fail "$cmb was bound"; }
no_bypass "after driver_override"
dmesg_since "$mark" | grep -qF "p2pmem_membar $cmb: p2pmem: not binding: the kernel is locked down" ||
	fail "no dmesg line for the refused probe of $cmb"

# wrap of the (now unbound) CMB's BAR 2, with and without force.
for req in "$cmb 2" "$cmb 2 force"; do
	mark=$(dmesg_mark)
	expect_eq "wrap '$req'" "Operation not permitted" "$(write "$C/wrap" "$req")"
	no_bypass "after wrap '$req'"
	expect_eq "wraps after '$req'" "" "$(cat "$C/wrap")"
	dmesg_since "$mark" | grep -qF "$cmb: p2pmem: not wrapping BAR 2: the kernel is locked down, which forbids user space access to PCI BARs" ||
		fail "no dmesg line for the refused wrap '$req'"
done

[ -z "$drv" ] || rebind "$cmb" "$drv"

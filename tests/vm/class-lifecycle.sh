# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The module registers the p2pmem class on load and removes it on unload, and can be reloaded.
. "$(dirname "$0")/lib.sh"

expect_file /sys/module/p2pmem
expect_file /sys/class/p2pmem
expect_eq "p2pmem refcount while loaded" 0 "$(cat /sys/module/p2pmem/refcnt)"
# One provider, the ivshmem device's (class devices are symlinks; host_bridge_allow is a file).
# scripts/vm-guest named the ivshmem for p2pmem_membar; the name (driver_override) outlives the
# module, so every insmod below binds it again.
expect_eq "devices in /sys/class/p2pmem" "p2pmem0" \
	"$(find /sys/class/p2pmem/ -mindepth 1 -type l -printf '%f\n')"
expect_file /sys/class/p2pmem/host_bridge_allow

rmmod p2pmem || fail "rmmod p2pmem failed"
expect_no_file /sys/class/p2pmem
expect_no_file /sys/module/p2pmem

for i in 1 2 3; do
	insmod "$P2PMEM_KO" || fail "insmod #$i failed"
	expect_file /sys/class/p2pmem/p2pmem0/size
	rmmod p2pmem || fail "rmmod #$i failed"
	expect_no_file /sys/class/p2pmem
done

# Leave the module loaded, as the runner did.
insmod "$P2PMEM_KO" || fail "final insmod failed"
expect_file /sys/class/p2pmem
dmesg | grep -q 'p2pmem: class registered' || fail "no registration message in dmesg"
# modinfo's version, from git describe at build time (MODULE_VERSION).
v=$(cat /sys/module/p2pmem/version 2>/dev/null)
[ -n "$v" ] && [ "$v" != unknown ] || fail "no module version in /sys/module/p2pmem/version ('$v')"

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The driver API: a C PCI driver (tests/consumer/p2pmem_test_provider.c) bound to the CMB NVMe
# registers BAR 2 with p2pmem_add_resource() and publishes it; the provider is device-managed
# and goes when the driver unbinds. A C consumer then uses it.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --kunit builds them)"
tp=$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_test_provider.ko
cmb=$(nvme_cmb) shm=$(fn_of 1af4:1110) edu=$(fn_of 1234:11e8)
dev=/sys/bus/pci/devices/$cmb
old=$(basename "$(readlink -f "$dev/driver")")

insmod "$tp" || fail "insmod p2pmem_test_provider failed"
echo "$cmb" >"$dev/driver/unbind" || fail "unbind from $old failed"
echo p2pmem_test_provider >"$dev/driver_override"
echo "$cmb" >/sys/bus/pci/drivers_probe
expect_eq "driver" p2pmem_test_provider "$(basename "$(readlink -f "$dev/driver")")"

p=$(provider_dir "$cmb")
[ -n "$p" ] || fail "no provider below $cmb"
expect_eq size $((64 << 20)) "$(cat "$p/size")"
expect_eq published 1 "$(cat "$p/published")"
expect_eq bar 2 "$(cat "$p/bar")"
err=$( (echo "$cmb 2 force" >/sys/class/p2pmem/wrap) 2>&1) && fail "wrap over a driver's provider accepted"
case $err in *"busy"*) ;; *) fail "wrap over a driver's provider: expected EBUSY, got '$err'" ;; esac

# find_many: the ivshmem provider is closer to these clients (4 + 0) than the CMB (4 + 4).
insmod "$P2PMEM_CONSUMER_KO" provider="$cmb" bar=2 clients="$shm,$edu" expect_distance=8 \
	expect_find="$shm" ||
	{ dmesg | grep p2pmem_consumer | tail -n 20 >&2; fail "the consumer's checks on the CMB failed"; }
rmmod p2pmem_consumer

echo "$cmb" >"$dev/driver/unbind" || fail "unbind of the test provider failed"
[ -z "$(provider_dir "$cmb")" ] || fail "provider left after unbind"
rmmod p2pmem_test_provider || fail "rmmod p2pmem_test_provider failed"

# Back to the driver it had.
echo >"$dev/driver_override"
echo "$cmb" >"/sys/bus/pci/drivers/$old/bind" || fail "rebind to $old failed"

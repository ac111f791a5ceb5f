# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# A wrap lasts while its function keeps its binding: unbind, bind and removal tear it down.
. "$(dirname "$0")/lib.sh"

C=/sys/class/p2pmem
cmb=$(nvme_cmb)
drv=$(basename "$(readlink -f "/sys/bus/pci/devices/$cmb/driver")")
[ "$drv" = nvme ] || fail "expected the CMB NVMe bound to nvme, got '$drv'"
D=/sys/bus/pci/drivers/nvme
wrapped() { grep -c "^$cmb " $C/wrap; }

# nvme requests every BAR, so a wrap while it is bound is refused (bar-claims.sh). The test
# provider driver registers the first half of BAR 2 and requests nothing: the second half can be
# wrapped while it is bound (with force), and goes when it unbinds.
[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --kunit builds them)"
insmod "$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_test_provider.ko" size=$((32 << 20)) ||
	fail "insmod p2pmem_test_provider failed"
echo "$cmb" >$D/unbind || fail "unbind from nvme failed"
echo p2pmem_test_provider >"/sys/bus/pci/devices/$cmb/driver_override"
echo "$cmb" >/sys/bus/pci/drivers_probe
echo >"/sys/bus/pci/devices/$cmb/driver_override"
expect_eq "driver" p2pmem_test_provider "$(basename "$(readlink -f "/sys/bus/pci/devices/$cmb/driver")")"
echo "$cmb 2 32M 32M force" >$C/wrap || fail "wrap failed"
expect_eq "wraps" 1 "$(wrapped)"
echo "$cmb" >/sys/bus/pci/drivers/p2pmem_test_provider/unbind || fail "unbind failed"
expect_eq "wraps after unbind" 0 "$(wrapped)"
dmesg | grep -q "$cmb is losing its driver: unwrapping BAR 2" || fail "no dmesg line for unbind"
rmmod p2pmem_test_provider || fail "rmmod p2pmem_test_provider failed"

echo "$cmb 2" >$C/wrap || fail "wrap of the unbound function failed"
expect_eq "wraps" 1 "$(wrapped)"
# The wrap goes before nvme probes, so nvme gets the BAR it requests.
echo "$cmb" >$D/bind || fail "bind failed"
expect_eq "wraps after bind" 0 "$(wrapped)"
dmesg | grep -q "$cmb is getting a driver: unwrapping BAR 2" || fail "no dmesg line for bind"

# Removal of an unbound function (a bound one loses its driver first, as above).
echo "$cmb" >$D/unbind || fail "unbind failed"
echo "$cmb 2" >$C/wrap || fail "wrap failed"
echo 1 >"/sys/bus/pci/devices/$cmb/remove" || fail "remove failed"
expect_eq "wraps after removal" 0 "$(grep -c . $C/wrap)"
dmesg | grep -q "$cmb is being removed: unwrapping BAR 2" || fail "no dmesg line for removal"
expect_no_file "/sys/bus/pci/devices/$cmb"
echo 1 >/sys/bus/pci/rescan
expect_file "/sys/bus/pci/devices/$cmb"
# The function is back (nvme probes it asynchronously; wait, so that its binding cannot race
# the wrap below) and can be wrapped again.
for i in $(seq 300); do [ -e "/sys/bus/pci/devices/$cmb/driver" ] && break; sleep 0.1; done
[ -e "/sys/bus/pci/devices/$cmb/driver" ] || echo "$cmb" >$D/bind || fail "rebind to nvme failed"
echo "$cmb" >$D/unbind || fail "unbind after rescan failed"
echo "$cmb 2" >$C/wrap || fail "wrap after rescan failed"
echo "$cmb" >$C/unwrap || fail "unwrap after rescan failed"
rebind "$cmb" nvme

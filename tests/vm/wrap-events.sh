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

echo "$cmb 2 force" >$C/wrap || fail "wrap failed"
expect_eq "wraps" 1 "$(wrapped)"
echo "$cmb" >$D/unbind || fail "unbind failed"
expect_eq "wraps after unbind" 0 "$(wrapped)"
dmesg | grep -q "$cmb is losing its driver: unwrapping BAR 2" || fail "no dmesg line for unbind"

echo "$cmb 2" >$C/wrap || fail "wrap of the unbound function failed"
expect_eq "wraps" 1 "$(wrapped)"
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
echo "$cmb 2 force" >$C/wrap || fail "wrap after rescan failed"
echo "$cmb" >$C/unwrap || fail "unwrap after rescan failed"

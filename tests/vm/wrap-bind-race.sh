# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --test-modules --kunit
# wrap's driver check and its insertion are one step against binding: a wrap (no force) of the
# ivshmem's BAR 2 races a bind of a foreign driver (tests/consumer/p2pmem_stub.c, which claims
# no region, so only the driver check can refuse the wrap). Whichever comes first, the end state
# is consistent: if the foreign driver is bound, no wrap of the function is left (refused, or
# torn down by the bind). Before the fix, a bind during the wrap's provider setup left a wrap
# under the foreign driver.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --test-modules builds them)"
stub=$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_stub.ko
C=/sys/class/p2pmem
shm=$(fn_of 1af4:1110)
dev=/sys/bus/pci/devices/$shm
driver_of() { [ -e "$dev/driver" ] && basename "$(readlink -f "$dev/driver")"; }
old=$(driver_of) || true
# Named for p2pmem_membar by scripts/vm-guest: given back to it, and its name, at the end.
old_override=$(override_of "$shm")

insmod "$stub" || fail "insmod p2pmem_stub failed"
[ -z "$old" ] || echo "$shm" >"$dev/driver/unbind" || fail "unbind from $old failed"
echo p2pmem_stub >"$dev/driver_override"

cycles=${WRAP_RACE_CYCLES:-$(by_length 20 40)}
bound_first=0 wrapped_first=0
for i in $(seq "$cycles"); do
	(echo "$shm 2" >$C/wrap) 2>/dev/null &
	w=$!
	echo "$shm" >/sys/bus/pci/drivers_probe &
	b=$!
	wait "$w" && wrap_ok=1 || wrap_ok=0
	wait "$b" || true
	drv=$(driver_of) || true
	left=$(grep -c "^$shm " $C/wrap || true)
	if [ "$drv" = p2pmem_stub ] && [ "$left" != 0 ]; then
		cat $C/wrap >&2
		fail "cycle $i: a wrap of $shm is left while p2pmem_stub is bound"
	fi
	[ "$wrap_ok" = 1 ] && wrapped_first=$((wrapped_first + 1)) || bound_first=$((bound_first + 1))
	[ "$left" = 0 ] || echo "$shm" >$C/unwrap || fail "cycle $i: unwrap failed"
	[ -z "$drv" ] || echo "$shm" >"$dev/driver/unbind" || fail "cycle $i: unbind failed"
done
echo "$cycles cycles: wrap succeeded first $wrapped_first, refused $bound_first"

# Then a bind that lands inside wrap's check-and-insert step every time: the test build of
# p2pmem.ko (vm-run --kunit) pauses the wrap there, after its driver check. The bind must wait
# for the step and then tear the new wrap down; with the check outside the device lock (the
# bug) it completed during the pause and the wrap was inserted under the foreign driver.
delay=/sys/module/p2pmem/parameters/test_wrap_delay_ms
[ -e "$delay" ] || fail "no $delay: this test needs the test build of p2pmem.ko (vm-run --kunit)"
echo 1000 >"$delay"
for i in 1 2 3; do
	(echo "$shm 2" >$C/wrap) 2>/dev/null &
	w=$!
	sleep 0.4 # the wrap is in its pause now
	echo "$shm" >/sys/bus/pci/drivers_probe
	wait "$w" && wrap_ok=1 || wrap_ok=0
	drv=$(driver_of) || true
	left=$(grep -c "^$shm " $C/wrap || true)
	if [ "$left" != 0 ]; then
		cat $C/wrap >&2
		echo 0 >"$delay"
		fail "paused cycle $i: a wrap of $shm is left while ${drv:-no driver} is bound"
	fi
	[ "$drv" = p2pmem_stub ] || fail "paused cycle $i: p2pmem_stub is not bound (${drv:-none})"
	[ "$wrap_ok" = 1 ] || fail "paused cycle $i: the wrap, checked before the bind, was refused"
	echo "$shm" >"$dev/driver/unbind" || fail "paused cycle $i: unbind failed"
done
echo 0 >"$delay"
echo "3 paused cycles: the bind waited for the wrap and tore it down"
expect_eq "wraps at the end" "" "$(cat $C/wrap)"

echo "$old_override" >"$dev/driver_override"
rmmod p2pmem_stub || fail "rmmod p2pmem_stub failed"
[ -z "$old" ] || rebind "$shm" "$old"

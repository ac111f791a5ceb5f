# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Revocation while processes are creating mappings: two threads mmap 64 KiB of /dev/p2pmemN in a loop
# while the ivshmem is unbound (revoke-race.c), REVOKE_RACE_CYCLES times. All run on CPU 0 and
# the unbind at a real-time priority, so that when an mmap() releases the provider's mapping
# lock the waiting revocation preempts it at once: before the kernel links the new VMA where
# revocation's zap can reach it. Such a mapping, with PTEs filled in mmap(), used to escape the
# zap: it kept reading the BAR after revocation, and teardown waited for its pages until the
# process let go. Now every mapping held after the revocation gets SIGBUS, and the unbind ends
# while they are still held.
. "$(dirname "$0")/lib.sh"

cycles=${REVOKE_RACE_CYCLES:-$(by_length 20 40)}
shm=$(fn_of 1af4:1110)
dir=$(mktemp -d)
cc -Wall -O2 -pthread -o "$dir/revoke-race" "$(dirname "$0")/revoke-race.c" ||
	fail "building revoke-race failed"
maps=0
for c in $(seq "$cycles"); do
	p=$(provider_of "$shm")
	[ -n "$p" ] || fail "cycle $c: no provider on $shm"
	"$dir/revoke-race" "/dev/$p" 2 >"$dir/out" 2>&1 &
	racer=$!
	sleep 0.5
	chrt -f 50 taskset -c 0 sh -c "echo $shm >/sys/bus/pci/drivers/p2pmem_membar/unbind" &
	unbind=$!
	# The threads stop at the revocation and report; their mappings stay until the kill.
	for _ in $(seq 300); do [ -s "$dir/out" ] && break; sleep 0.1; done
	exited_within "$unbind" 30 ||
		{ kill "$racer"; fail "cycle $c: teardown waited for a mapping: $(cat "$dir/out")"; }
	wait "$unbind" || { kill "$racer"; fail "cycle $c: unbind failed"; }
	kill "$racer"
	rc=0
	wait "$racer" || rc=$?
	read -r _ n _ held _ live <"$dir/out" || fail "cycle $c: no report: $(cat "$dir/out")"
	[ "$rc" = 0 ] && [ "$live" = 0 ] && [ "$held" -gt 0 ] ||
		fail "cycle $c: a mapping outlived the revocation (exit $rc): $(cat "$dir/out")"
	maps=$((maps + n))
	echo "$shm" >/sys/bus/pci/drivers/p2pmem_membar/bind || fail "cycle $c: rebind failed"
done
echo "$cycles cycles, $maps mappings made, none outlived its revocation"
expect_eq "available after $cycles cycles" $((64 << 20)) "$(provider_stat "$shm" available)"

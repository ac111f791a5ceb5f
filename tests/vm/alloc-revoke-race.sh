# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Allocation racing revocation: on every CPU a kernel thread allocates from the ivshmem
# provider and records each allocation in the same RCU read-side critical section, while the
# provider is unbound and rebound, many times (tests/consumer/p2pmem_revoke_race.c). p2pmem
# calls the revoke callback only after every allocation that saw the provider alive has taken
# its memory and every RCU reader of that time has finished, so no allocation succeeds that
# the callback could not see: none is "late", and teardown never waits for memory.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --test-modules)"
cycles=${P2PMEM_RACE_CYCLES:-$(by_length 30 100)}
shm=$(fn_of 1af4:1110)
[ -n "$(provider_of "$shm")" ] || fail "no provider below $shm"
mark=$(dmesg_mark)
insmod "$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_revoke_race.ko" provider="$shm" cycles="$cycles"
rc=$?
log=$(dmesg_since "$mark")
line=$(grep -o 'p2pmem_revoke_race: [0-9]* cycles.*' <<<"$log")
echo "$line"
[ $rc = 0 ] || fail "the race module failed ($rc): $(grep p2pmem_revoke_race <<<"$log" | head -n 5)"
rmmod p2pmem_revoke_race
expect_eq cycles "$cycles" "$(sed -E 's/.*: ([0-9]+) cycles.*/\1/' <<<"$line")"
expect_eq "late allocations" 0 "$(sed -E 's/.* ([0-9]+) late$/\1/' <<<"$line")"
[ "$(sed -E 's/.* cycles, ([0-9]+) allocations.*/\1/' <<<"$line")" -gt "$cycles" ] ||
	fail "the threads made few allocations: $line"
if grep -q "teardown waits" <<<"$log"; then
	fail "teardown waited for memory: $(grep "teardown waits" <<<"$log" | head -n 3)"
fi
p=$(provider_of "$shm")
[ -n "$p" ] || fail "no provider below $shm after the cycles"
expect_eq "available after the cycles" $((64 << 20)) "$(provider_stat "$shm" available)"

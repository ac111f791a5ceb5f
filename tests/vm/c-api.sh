# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The exported C API, from a C module built against p2pmem.ko's Module.symvers
# (tests/consumer): provider lookup, allocation, bus addresses, page lookup, exhaustion,
# distance_many, find_many.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no consumer module (vm-run --kunit builds it)"
shm=$(fn_of 1af4:1110) cmb=$(nvme_cmb) edu=$(fn_of 1234:11e8)
p=$(provider_of "$shm")

mark=$(dmesg_mark)
insmod "$P2PMEM_CONSUMER_KO" provider="$shm" bar=2 clients="$cmb,$edu" expect_distance=8 ||
	{ dmesg_since "$mark" | grep p2pmem_consumer >&2; fail "the consumer's checks failed"; }
log=$(dmesg_since "$mark")
expect_eq "consumer failures" 0 "$(sed -n 's/.*p2pmem_consumer: \([0-9]*\) failures/\1/p' <<<"$log")"
expect_eq "checks passed" 42 "$(grep -c 'p2pmem_consumer: ok' <<<"$log")"
expect_eq "p2pmem users while the consumer is loaded" 1 "$(cat /sys/module/p2pmem/refcnt)"
rmmod p2pmem_consumer || fail "rmmod p2pmem_consumer failed"
expect_eq "p2pmem users after" 0 "$(cat /sys/module/p2pmem/refcnt)"

# The provider's counters saw it: everything freed, at most 4 at a time (the page-granular
# scatterlist), one refusal.
expect_eq "allocations" 0 "$(cat "/sys/class/p2pmem/$p/allocations")"
expect_eq "peak" 4 "$(cat "/sys/class/p2pmem/$p/peak")"
expect_eq "alloc_failures" 1 "$(cat "/sys/class/p2pmem/$p/alloc_failures")"
expect_eq "available" $((64 << 20)) "$(cat "/sys/class/p2pmem/$p/available")"

# A function that provides nothing has no provider: the load fails cleanly.
mark=$(dmesg_mark)
insmod "$P2PMEM_CONSUMER_KO" provider="$edu" 2>/dev/null && fail "consumer loaded without a provider"
dmesg_since "$mark" | grep -q "p2pmem_consumer: FAIL provider_get" ||
	fail "no provider_get failure line"
true

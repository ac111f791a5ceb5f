# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Double frees (tests/consumer/p2pmem_double_free.c): a page freed twice while it sits in the
# per-CPU cache is not handed out twice (the next two allocations differ), nor one freed again
# on another CPU (the next allocation on each CPU differs), and a page that
# goes back to the pool twice (a bogus free, then the last put_page() of another reference)
# does not drop the pagemap reference twice, and neither does an allocation freed twice that
# the index refuses, so the provider's teardown neither hangs nor finds an underflow. p2pmem
# warns once for each: those three warnings, and nothing else, may be in the kernel log;
# the test checks the whole log without them, then clears it for the checks that follow.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --test-modules)"
shm=$(fn_of 1af4:1110)
[ -n "$(provider_of "$shm")" ] || fail "no provider below $shm"
mark=$(dmesg_mark)
insmod "$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_double_free.ko" provider="$shm"
rc=$?
log=$(dmesg_since "$mark")
grep p2pmem_double_free <<<"$log"
[ $rc != 0 ] || rmmod p2pmem_double_free
# Teardown of the provider: its pagemap reference must balance. Teardown waits forever for a
# leaked reference, and for an underflowed count too (it never reaches zero), which warns.
echo "$shm" 2>/dev/null >/sys/bus/pci/drivers/p2pmem_membar/unbind &
exited_within $! 60 ||
	fail "unbind hung: $(dmesg_since "$mark" | grep -A1 -E 'WARNING|p2pmem' | head -n 30)"
wait $! || fail "unbind failed"
echo "$shm" >/sys/bus/pci/drivers/p2pmem_membar/bind || fail "rebind failed"
[ $rc = 0 ] || fail "the double-free module failed ($rc)"
grep -q "p2pmem_double_free: cached: distinct" <<<"$log" || fail "no 'cached: distinct' line"
grep -q "p2pmem_double_free: referenced: done" <<<"$log" || fail "no 'referenced: done' line"
grep -q "p2pmem_double_free: indexed: done" <<<"$log" || fail "no 'indexed: done' line"
grep -q "p2pmem_double_free: cross-CPU: distinct" <<<"$log" || fail "no 'cross-CPU: distinct' line"
expect_eq "available after rebind" $((64 << 20)) "$(provider_stat "$shm" available)"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Each expected warning: its message, then its WARNING line (in rust/provider.c), to the end
# of its trace.
dmesg | awk -v out="$dir/seen" '
	/p2pmem: (double free of a cached block|a page went back to the pool twice|double free of pages)/ {
		print >out; skip = 1; next
	}
	skip && /WARNING:/ && !/WARNING: rust\/provider\.c:[0-9]+ at / { print }
	skip && /---\[ end trace/ { skip = 0; next }
	!skip { print }' >"$dir/log"
touch "$dir/seen"
expect_eq "warnings about a cached block" 1 "$(grep -c 'double free of a cached block' "$dir/seen")"
expect_eq "warnings about a page freed twice" 1 "$(grep -c 'back to the pool twice' "$dir/seen")"
expect_eq "warnings about pages freed twice" 1 "$(grep -c 'double free of pages' "$dir/seen")"
"$(dirname "$0")/../../scripts/splat-scan" "$dir/log" >&2 ||
	fail "a kernel splat besides the expected warnings"
dmesg -C

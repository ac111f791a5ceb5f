# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Stress, 60 s: on every guest CPU a kernel thread allocates and frees (tests/consumer/
# p2pmem_stress.c: random sizes, tagged at both ends and checked before freeing, scatterlists
# too) while one process per CPU maps, writes, checks and unmaps /dev/p2pmemN. No allocation is
# handed out twice, mappings fail only when the pool is full, the provider's counters return to
# where they were, and the kernel log stays clean (tests/vm/run checks it).
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no test modules (vm-run --test-modules)"
secs=${P2PMEM_STRESS_SECONDS:-$(by_length 15 60)}
shm=$(fn_of 1af4:1110)
p=$(provider_of "$shm")
[ -n "$p" ] || fail "no provider below $shm"
avail=$(provider_stat "$shm" available) allocs=$(provider_stat "$shm" allocations)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for i in $(seq "$(nproc)"); do
	python3 - "/dev/$p" "$secs" "$i" >"$out/user.$i" 2>&1 <<'PY' &
import errno, mmap, os, random, struct, sys, time
dev, secs, me = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
random.seed(me)
fd = os.open(dev, os.O_RDWR)
maps = full = bad = 0
end = time.monotonic() + secs
while time.monotonic() < end:
    size = 4096 * random.randint(1, 256)
    try:
        m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    except OSError as e:
        if e.errno != errno.ENOMEM:
            print(f"mmap of {size} bytes: {e}")
            bad += 1
        full += 1
        continue
    tag = struct.pack("<QQ", me, maps)
    m[:16] = tag
    m[size - 16:] = tag
    if m[:16] != tag or m[size - 16:] != tag:
        bad += 1
    m.close()
    maps += 1
print(f"maps {maps} full {full} bad {bad}")
PY
done
mark=$(dmesg_mark)
insmod "$(dirname "$P2PMEM_CONSUMER_KO")/p2pmem_stress.ko" provider="$shm" seconds="$secs" ||
	fail "the kernel stress failed: $(dmesg_since "$mark" | grep p2pmem_stress)"
wait
rmmod p2pmem_stress
line=$(dmesg_since "$mark" | grep -o 'p2pmem_stress: [0-9]* threads.*')
echo "kernel: $line"
expect_eq "kernel stress threads" "$(nproc)" "$(sed -E 's/.*: ([0-9]+) threads.*/\1/' <<<"$line")"
expect_eq "corrupted kernel allocations" 0 "$(sed -E 's/.* ([0-9]+) corrupted/\1/' <<<"$line")"
[ "$(sed -E 's/.* threads, ([0-9]+) allocations.*/\1/' <<<"$line")" -gt 1000 ] ||
	fail "the kernel threads made few allocations: $line"
for f in "$out"/user.*; do
	echo "user ${f##*.}: $(cat "$f")"
	grep -qE '^maps [1-9][0-9]* full [0-9]+ bad 0$' "$f" || fail "user stress ${f##*.}: $(cat "$f")"
done
expect_eq "allocations after the stress" "$allocs" "$(provider_stat "$shm" allocations)"
expect_eq "available after the stress" "$avail" "$(provider_stat "$shm" available)"

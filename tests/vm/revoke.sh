# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Revocation: a consumer holds an allocation from the ivshmem provider and asked to be told
# when it goes, and a process has /dev/p2pmemN mapped. Unbinding the ivshmem device zaps the
# mapping and calls the consumer before teardown waits; the consumer frees its memory, so the
# unbind completes and the provider is gone. The process gets SIGBUS on its next access.
# Rebinding brings the provider back.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no consumer module (vm-run --test-modules builds it)"
shm=$(fn_of 1af4:1110)
p=$(provider_of "$shm")
mark=$(dmesg_mark)
insmod "$P2PMEM_CONSUMER_KO" provider="$shm" hold=1 ||
	{ dmesg_since "$mark" | grep p2pmem_consumer >&2; fail "the consumer's checks failed"; }
expect_eq "allocations held" 1 "$(cat "/sys/class/p2pmem/$p/allocations")"

dir=$(mktemp -d)
mkfifo "$dir/go"
python3 - "/dev/$p" "$dir" <<'PY' &
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED)
m[0] = 1
open(sys.argv[2] + "/mapped", "w").close()
open(sys.argv[2] + "/go").read()
print(m[0])
PY
mapper=$!
for _ in $(seq 100); do [ -e "$dir/mapped" ] && break; sleep 0.1; done
expect_file "$dir/mapped"
expect_eq "available with a mapping and an allocation" $(((64 << 20) - (1 << 20) - (64 << 10))) \
	"$(cat "/sys/class/p2pmem/$p/available")"

timeout 60 sh -c "echo $shm >/sys/bus/pci/drivers/p2pmem_membar/unbind" ||
	fail "unbind with a held allocation failed or hung"
dmesg_since "$mark" | grep -q "p2pmem_consumer: revoked, freeing the held allocation" ||
	fail "the revoke callback did not run"
expect_no_file "/sys/class/p2pmem/$p"
expect_no_file "/dev/$p"
echo go >"$dir/go"
rc=0
wait "$mapper" || rc=$?
expect_eq "exit status of the mapper (SIGBUS)" 135 "$rc"
dmesg_since "$mark" | grep -q "teardown waits" && fail "teardown reported memory still in use"
rmmod p2pmem_consumer || fail "rmmod p2pmem_consumer failed"
expect_eq "p2pmem users after" 0 "$(cat /sys/module/p2pmem/refcnt)"
echo "$shm" >/sys/bus/pci/drivers/p2pmem_membar/bind || fail "rebind failed"
p=$(provider_of "$shm")
expect_eq "available after rebind" $((64 << 20)) "$(cat "/sys/class/p2pmem/$p/available")"

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --nvmet-patched --append log_buf_len=16M
# NVMe over TCP on 127.0.0.1 through the patched nvmet (patches/nvmet): the namespace is the NVMe
# without a CMB, and the data buffers of the target come from p2pmem on the same switch (the
# ivshmem provider or the other NVMe's CMB). fio writes and verifies through the fabric:
#  - param_allow_p2pmem=0: no p2pmem is claimed or allocated;
#  - param_allow_p2pmem=1 with the namespace's p2pmem naming the ivshmem provider: its peak rises and
#    its allocations are back to 0 afterwards; with its pool held by a user the I/O falls back to
#    system memory and alloc_failures counts it; when the provider goes away (unbind) the target
#    stops using it and I/O goes on;
#  - param_allow_p2pmem=1 with p2pmem=0: a provider is chosen, and after a disconnect in the middle of
#    I/O every allocation is back;
# plus the configfs rules (EBUSY while linked or enabled, bad values) and a clean unload.
. "$(dirname "$0")/lib.sh"

plain=$(nvme_plain) cmb=$(nvme_cmb) shm=$(fn_of 1af4:1110) edu=$(fn_of 1234:11e8)
backing=$(nvme_ns "$plain")
[ -b "$backing" ] || fail "no namespace on $plain"
refcnt=$(cat /sys/module/p2pmem/refcnt)
# The CMB also holds the NVMe driver's submission queues: compare with what is in use now.
avail_shm=$(provider_stat "$shm" available) avail_cmb=$(provider_stat "$cmb" available)
alloc_cmb=$(provider_stat "$cmb" allocations)
S=$NVMET/subsystems/$NVMET_NQN
dir=$(mktemp -d)

# fio_verify DEV SIZE: random writes of 4 KiB to 256 KiB blocks, then every block read back and
# checked (crc32c); the summary goes to the test's output.
fio_verify() {
	local out
	out=$(fio --name=verify --filename="$1" --rw=randwrite --bsrange=4k-256k --size="$2" \
		--direct=1 --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--randrepeat=0 2>&1) || { printf '%s\n' "$out" >&2; fail "fio on $1 failed"; }
	grep -E '^ *(READ|WRITE):' <<<"$out" | sed 's/^ */fio: /'
}

# A fresh ivshmem provider, so that its peak counts this test's allocations only.
echo "$shm" >/sys/bus/pci/drivers/p2pmem_membar/unbind || fail "unbinding $shm failed"
rebind "$shm" p2pmem_membar
expect_eq "peak of the fresh provider" 0 "$(provider_stat "$shm" peak)"
expect_eq "allocations of $shm before" 0 "$(provider_stat "$shm" allocations)"

# --- param_allow_p2pmem=0: system memory only -------------------------------------------------------
mark=$(dmesg_mark)
peak_cmb=$(provider_stat "$cmb" peak)
nvmet_target "$backing" 0
dev=$(nvmet_connect) || exit 1
fio_verify "$dev" 16M
expect_eq "peak of $shm with param_allow_p2pmem=0" 0 "$(provider_stat "$shm" peak)"
expect_eq "peak of $cmb with param_allow_p2pmem=0" "$peak_cmb" "$(provider_stat "$cmb" peak)"
! dmesg_since "$mark" | grep -q "using p2pmem" || fail "p2pmem claimed with param_allow_p2pmem=0"
nvmet_disconnect
nvmet_teardown

# --- param_allow_p2pmem=1, the namespace names the ivshmem provider ---------------------------------
mark=$(dmesg_mark)
nvmet_target "$backing" 1 "$shm"
expect_eq "p2pmem attribute" "$shm" "$(cat "$S/namespaces/1/p2pmem")"
expect_eq "param_allow_p2pmem attribute" 1 "$(cat "$NVMET_PORT/param_allow_p2pmem")"
expect_eq "changing param_allow_p2pmem while linked" "Device or resource busy" \
	"$(write "$NVMET_PORT/param_allow_p2pmem" 0)"
expect_eq "changing p2pmem while enabled" "Device or resource busy" \
	"$(write "$S/namespaces/1/p2pmem" 1)"
dev=$(nvmet_connect) || exit 1
dmesg_since "$mark" | grep -q "using p2pmem on $shm for nsid 1" ||
	fail "the controller did not claim $shm: $(dmesg_since "$mark" | grep -i p2pmem)"
fio_verify "$dev" 16M
peak=$(provider_stat "$shm" peak)
[ "$peak" -gt 0 ] || fail "peak of $shm did not rise with param_allow_p2pmem=1"
echo "p2pmem: peak of $shm 0 -> $peak pages"
expect_eq "allocations of $shm after I/O" 0 "$(provider_stat "$shm" allocations)"

# The whole pool held by a user: I/O falls back to system memory, counted as failures.
p=$(provider_of "$shm")
failures=$(provider_stat "$shm" alloc_failures)
python3 - "/dev/$p" "$(provider_stat "$shm" available)" "$dev" <<'PY' || fail "I/O with the pool exhausted"
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
held = mmap.mmap(fd, int(sys.argv[2]), mmap.MAP_SHARED)
held[0] = 1
data = os.urandom(1 << 20)
dev = os.open(sys.argv[3], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 1 << 20)
buf[:] = data
assert os.pwritev(dev, [buf], 0) == 1 << 20
back = mmap.mmap(-1, 1 << 20)
assert os.preadv(dev, [back], 0) == 1 << 20
assert back[:] == data, "data read back differs"
PY
[ "$(provider_stat "$shm" alloc_failures)" -gt "$failures" ] ||
	fail "alloc_failures of $shm did not count the fallback"
expect_eq "allocations of $shm after the exhausted run" 0 "$(provider_stat "$shm" allocations)"

# The provider goes away while the controller holds it: revoked, I/O goes on in system memory.
timeout 60 sh -c "echo $shm >/sys/bus/pci/drivers/p2pmem_membar/unbind" ||
	fail "unbinding $shm with nvmet using it failed or hung"
dmesg_since "$mark" | grep -q "nvmet ctrl .* nsid 1: p2pmem[0-9]* is going away" ||
	fail "no revocation message: $(dmesg_since "$mark" | grep -i p2pmem)"
fio_verify "$dev" 4M
rebind "$shm" p2pmem_membar
nvmet_disconnect
nvmet_teardown

# --- param_allow_p2pmem=1, any provider --------------------------------------------------------------
mark=$(dmesg_mark)
nvmet_target "$backing" 1
expect_eq "p2pmem attribute" 0 "$(cat "$S/namespaces/1/p2pmem")"
dev=$(nvmet_connect) || exit 1
used=$(dmesg_since "$mark" | sed -n 's/.*using p2pmem on \([0-9a-f:.]*\) for nsid 1.*/\1/p')
[ "$used" = "$shm" ] || [ "$used" = "$cmb" ] || fail "provider chosen: '$used'"
fio_verify "$dev" 8M
echo "p2pmem: $used chosen"
# Disconnect with I/O in flight: the target's queue teardown returns every buffer. fio's run is far
# longer than the test so that only the disconnect can end it (a debug kernel's disconnect has
# been seen to take most of a minute).
fio --name=abort --filename="$dev" --rw=randrw --bs=128k --size=64M --direct=1 \
	--ioengine=libaio --iodepth=16 --time_based --runtime=900 >"$dir/abort" 2>&1 &
fio_pid=$!
sleep 2
kill -0 "$fio_pid" 2>/dev/null || fail "fio ended before the disconnect"
t0=$(date +%s)
nvmet_disconnect
t1=$(date +%s)
if ! exited_within "$fio_pid" 120; then
	kill "$fio_pid"
	fail "fio still running $(($(date +%s) - t1)) s after the disconnect"
fi
if wait "$fio_pid"; then
	grep -E 'err=|(READ|WRITE):|run=' "$dir/abort" >&2
	fail "fio did not notice the disconnect (nvme disconnect took $((t1 - t0)) s)"
fi
echo "nvme disconnect with I/O in flight: $((t1 - t0)) s"
for _ in $(seq 100); do
	[ "$(provider_stat "$shm" allocations)" = 0 ] &&
		[ "$(provider_stat "$cmb" allocations)" = "$alloc_cmb" ] && break
	sleep 0.1
done
expect_eq "allocations of $shm after disconnect" 0 "$(provider_stat "$shm" allocations)"
expect_eq "allocations of $cmb after disconnect" "$alloc_cmb" "$(provider_stat "$cmb" allocations)"

# Bad namespace values, and nothing changes on refusal.
echo 0 >"$S/namespaces/1/enable"
expect_eq "garbage" "Invalid argument" "$(write "$S/namespaces/1/p2pmem" maybe)"
expect_eq "bad address" "Invalid argument" "$(write "$S/namespaces/1/p2pmem" 0000:03:20.0)"
expect_eq "a function without p2pmem" "No such device" "$(write "$S/namespaces/1/p2pmem" "$edu")"
expect_eq "a missing function" "No such device" "$(write "$S/namespaces/1/p2pmem" 0000:7f:00.0)"
expect_eq "p2pmem after refusals" 0 "$(cat "$S/namespaces/1/p2pmem")"
nvmet_teardown

# Nothing left behind.
expect_no_file /sys/module/nvmet
expect_eq "p2pmem.ko users after unloading nvmet" "$refcnt" "$(cat /sys/module/p2pmem/refcnt)"
expect_eq "allocations of $shm at the end" 0 "$(provider_stat "$shm" allocations)"
expect_eq "allocations of $cmb at the end" "$alloc_cmb" "$(provider_stat "$cmb" allocations)"
expect_eq "available of $shm at the end" "$avail_shm" "$(provider_stat "$shm" available)"
expect_eq "available of $cmb at the end" "$avail_cmb" "$(provider_stat "$cmb" available)"

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvmet-patched --append log_buf_len=16M
# A stalled NVMe/TCP host cannot block the teardown of a provider: a raw host
# (tests/vm/nvme-tcp-stall.py) connects to the patched nvmet with param_allow_p2pmem=1 and the
# namespace's p2pmem naming the ivshmem provider, sends write commands without their data, reads
# the R2Ts and then never sends the data, with no keep-alive. The target holds a p2pmem buffer
# for each command. Unbinding the provider must end within a bound (p2pmem's claim deadline,
# claim_revoke_timeout, then the controller's teardown): the controller is ended, the stalled
# host's connection closed and every buffer freed; no splat, and nvmet unloads.
. "$(dirname "$0")/lib.sh"

plain=$(nvme_plain) shm=$(fn_of 1af4:1110)
backing=$(nvme_ns "$plain")
[ -b "$backing" ] || fail "no namespace on $plain"
refcnt=$(cat /sys/module/p2pmem/refcnt)
dir=$(mktemp -d)
writes=4 bytes=$((64 << 10))
bound=60

nvmet_target "$backing" 1 "$shm"
# On a failure, leave no target behind for the tests after this one.
trap 'kill "$host" 2>/dev/null; nvmet_unconfigure 2>/dev/null' EXIT
mark=$(dmesg_mark)
: >"$dir/host"
python3 "$(dirname "$0")/nvme-tcp-stall.py" 127.0.0.1 4420 "$NVMET_NQN" 1 \
	"$(cat "/sys/block/${backing#/dev/}/queue/logical_block_size")" "$writes" "$bytes" \
	>"$dir/host" 2>&1 &
host=$!
for _ in $(seq 300); do
	grep -q '^stalled' "$dir/host" && break
	kill -0 "$host" 2>/dev/null || fail "the stalled host ended: $(cat "$dir/host")"
	sleep 0.1
done
grep -q "^stalled $writes" "$dir/host" || fail "the host did not stall: $(cat "$dir/host")"
dmesg_since "$mark" | grep -q "using p2pmem on $shm for nsid 1" ||
	fail "the controller did not claim $shm: $(dmesg_since "$mark" | grep -i p2pmem)"
held=$(provider_stat "$shm" allocations)
[ "$held" -ge $((writes * bytes / 4096)) ] ||
	fail "allocations of $shm with $writes stalled writes: $held"
echo "stalled host: $writes writes of $((bytes >> 10)) KiB, $held allocations of $shm held"

# The unbind, bounded. Run in the background and waited for: a write stuck in the kernel
# cannot be killed by timeout(1).
t0=$(date +%s)
sh -c "echo $shm >/sys/bus/pci/drivers/p2pmem_membar/unbind" &
unbind=$!
if ! exited_within "$unbind" "$bound"; then
	# Let it finish, so that the rest of the boot is not stuck: the host's close frees the
	# buffers.
	kill "$host"
	exited_within "$unbind" 60 || echo "the unbind did not end when the host closed" >&2
	fail "unbinding $shm with a stalled host did not end within $bound s"
fi
wait "$unbind" || fail "unbinding $shm failed"
t1=$(date +%s)
echo "unbind with a stalled host: $((t1 - t0)) s"
exited_within "$host" 30 || fail "the target did not close the stalled host's connection"
wait "$host" || fail "the stalled host: $(cat "$dir/host")"
grep -q "closed by the target" "$dir/host" || fail "the stalled host: $(cat "$dir/host")"
log=$(dmesg_since "$mark")
grep -q "nvmet ctrl .* nsid 1: p2pmem[0-9]* is going away" <<<"$log" ||
	fail "no revocation message: $(grep -i p2pmem <<<"$log")"
grep -q "still allocated" <<<"$log" ||
	fail "no message about the memory still allocated: $(grep -i p2pmem <<<"$log")"

rebind "$shm" p2pmem_membar
expect_eq "allocations of the new provider of $shm" 0 "$(provider_stat "$shm" allocations)"
nvmet_teardown
expect_no_file /sys/module/nvmet
expect_eq "p2pmem.ko users after unloading nvmet" "$refcnt" "$(cat /sys/module/p2pmem/refcnt)"

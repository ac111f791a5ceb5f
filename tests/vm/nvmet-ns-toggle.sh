# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvmet-patched --append log_buf_len=16M
# A namespace's claims are not freed under requests that use them: over NVMe/TCP through the
# patched nvmet, with param_allow_p2pmem=1 and the namespace's p2pmem naming the ivshmem provider,
# fio writes and verifies (4 jobs, queue depth 8) while another loop disables and enables the
# namespace many times. Each disable drops the controller's claim on the provider while commands
# are arriving. I/O errors while the namespace is disabled are allowed. In a pass of fio that
# had I/O errors, fio's verify can find a block of an earlier pass (its header names another
# offset); the stock nvmet with system-memory buffers shows that too, so only passes that ran
# through judge the data. Wrong data there and kernel splats (KASAN on the
# debug kernel) fail the test. Afterwards the provider's allocations are back to 0, the
# namespace still serves verified I/O, and nvmet unloads. NVMET_TOGGLES toggles (100 in make
# check, 300 in make check-long).
. "$(dirname "$0")/lib.sh"

plain=$(nvme_plain) shm=$(fn_of 1af4:1110)
backing=$(nvme_ns "$plain")
[ -b "$backing" ] || fail "no namespace on $plain"
refcnt=$(cat /sys/module/p2pmem/refcnt)
S=$NVMET/subsystems/$NVMET_NQN
dir=$(mktemp -d)
toggles=${NVMET_TOGGLES:-$(by_length 100 300)}
# NVMET_TOGGLE_P2PMEM=0: the same without p2pmem (system memory buffers), for comparison.
p2p=${NVMET_TOGGLE_P2PMEM:-1}

if [ "$p2p" = 1 ]; then
	nvmet_target "$backing" 1 "$shm"
else
	nvmet_target "$backing" 0
fi
# On a failure, leave no target behind for the tests after this one.
trap 'rm -f "$dir/go"; nvme disconnect -n "$NVMET_NQN" >/dev/null 2>&1; nvmet_unconfigure 2>/dev/null' EXIT
mark=$(dmesg_mark)
dev=$(nvmet_connect) || exit 1
[ "$p2p" = 0 ] || dmesg_since "$mark" | grep -q "using p2pmem on $shm for nsid 1" ||
	fail "the controller did not claim $shm: $(dmesg_since "$mark" | grep -i p2pmem)"

# fio writes and verifies until the toggling is done (the stop file), in passes of 4 x 4 MiB.
# The host drops the block device when it rescans while the namespace is disabled; fio then
# waits for it (a rescan brings it back) and must not create a file in its place.
ctrl=${dev#/dev/} && ctrl=${ctrl%n*}
touch "$dir/go"
(
	pass=0
	while [ -e "$dir/go" ]; do
		pass=$((pass + 1))
		if ! dev=$(nvmet_dev 2>/dev/null); then
			echo 1 >"/sys/class/nvme/$ctrl/rescan_controller"
			continue
		fi
		fio --name=toggle --filename="$dev" --allow_file_create=0 --rw=randwrite \
			--bsrange=4k-128k --size=4M --offset_increment=4M --numjobs=4 --iodepth=8 \
			--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 \
			--continue_on_error=write --randrepeat=0 --group_reporting >"$dir/fio.$pass" 2>&1
		echo "$pass $? $dev" >>"$dir/passes"
	done
) &
io=$!

sleep 2
on=0 off=0
for i in $(seq "$toggles"); do
	echo 0 >"$S/namespaces/1/enable" || fail "toggle $i: disabling namespace 1 failed"
	off=$((off + 1))
	echo 1 >"$S/namespaces/1/enable" || fail "toggle $i: enabling namespace 1 failed"
	on=$((on + 1))
	sleep "0.$((RANDOM % 3))"
done
rm "$dir/go"
exited_within "$io" 300 || fail "fio still running 300 s after the toggling ended"
wait "$io"
passes=$(wc -l <"$dir/passes")
failed=$(awk '$2 != 0' "$dir/passes" | wc -l)
errors=$(cat "$dir"/fio.* | awk '/errors *: total=/ { split($3, a, "[=,]"); n += a[2] }
	END { print n + 0 }')
echo "namespace toggled $off times; fio: $passes passes, $failed failed, $errors I/O errors"
cat "$dir/passes"
# Only a pass that ran through says something about the data (see above): blocks of an earlier
# pass found by a pass with I/O errors are counted and shown, not failed.
stale=0
while read -r pass rc _; do
	pat='verify failed|bad magic|bad header|verify: bad|mismatch'
	if [ "$rc" = 0 ]; then
		if grep -E "$pat" "$dir/fio.$pass" >"$dir/bad"; then
			head -n 20 "$dir/bad" >&2
			fail "pass $pass ran through but read data back wrong"
		fi
	else
		stale=$((stale + $(grep -cE "$pat" "$dir/fio.$pass")))
	fi
done <"$dir/passes"
echo "blocks read back from an earlier pass in passes with I/O errors: $stale"
ran=$(awk '$2 == 0' "$dir/passes" | wc -l)
[ "$ran" -gt 0 ] || fail "no fio pass ran through: $(cat "$dir/passes"; tail -n 5 "$dir/fio.1")"

for _ in $(seq 100); do
	[ "$(provider_stat "$shm" allocations)" = 0 ] && break
	sleep 0.1
done
expect_eq "allocations of $shm after the toggling" 0 "$(provider_stat "$shm" allocations)"

# The namespace still works, with p2pmem. The host may have dropped its block device while the
# namespace was disabled and missed the change that brought it back: rescan.
echo 1 >"/sys/class/nvme/$ctrl/rescan_controller"
dev=$(nvmet_dev) || exit 1
out=$(fio --name=after --filename="$dev" --allow_file_create=0 --rw=randwrite --bsrange=4k-128k \
	--size=8M --direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --randrepeat=0 2>&1) || { printf '%s\n' "$out" >&2; fail "fio after the toggling failed"; }
expect_eq "allocations of $shm after the last run" 0 "$(provider_stat "$shm" allocations)"

nvmet_disconnect
nvmet_teardown
expect_no_file /sys/module/nvmet
expect_eq "p2pmem.ko users after unloading nvmet" "$refcnt" "$(cat /sys/module/p2pmem/refcnt)"

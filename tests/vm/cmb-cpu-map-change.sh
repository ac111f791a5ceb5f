# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --native-hotplug
# length: long
# A guard against the CMB corruption of cmb-map-change.sh with no p2pmem, no NVMe and no DMA in
# the path: it checks the QEMU the tests run on. The CMB NVMe is unbound from its driver and its BAR 2 is
# mmap()ed through sysfs (resource2); one process per guest CPU writes random 4 KiB pages
# there and reads each back at once, while something else happens every few seconds (MODE, N
# times: 3 in make check, 12 in make check-long):
#   qemu - the ivshmem is removed with device_del and added back on a new memory backend, and
#          named for p2pmem_membar again (tests/vm/lib.sh, name_membar), which binds it as at
#          boot: its BAR is decoded and a provider again;
#   none - nothing.
# A page that reads back different from what the CPU just stored there is QEMU's dispatch of
# the guest CPU's own MMIO accesses, whatever p2pmem does.
#   scripts/vm-run $(sed -n 's/^# vm: //p' tests/vm/cmb-cpu-map-change.sh) -- \
#       env MODE=qemu N=12 bash tests/vm/cmb-cpu-map-change.sh
# QEMU=/path/to/qemu-system-x86_64 tries another QEMU (vm-run refuses one older than 8.1).
# Measured (2 guest CPUs): QEMU 7.2, MODE=qemu N=12: 4 of 392,354 pages wrong, 56 bytes each;
# MODE=none N=40: 0 of 569,083. QEMU 10.0.2, MODE=qemu N=12 and N=30: 0 of 219,165 and 0 of
# 899,532; later 1 of 177,066 (N=3, in make check) and 1 of 587,709 (N=12), 16 bytes each,
# while MODE=none N=12 gave 0 of 284,082. QEMU 10 is rarer at it, not free of it: the test runs
# in make check-long only, where a failure says the QEMU, not p2pmem, lost a store.
. "$(dirname "$0")/lib.sh"

mode=${MODE:-qemu}
n=${N:-$(by_length 3 12)}
cmb=$(nvme_cmb) shm=$(fn_of 1af4:1110)
dir=$(mktemp -d)
# Progress, for a look from the host while it runs.
progress() { echo "$(date +%T) $*" >>"${VM_RUNDIR:-$dir}/progress"; }
dev=/sys/bus/pci/devices/$cmb
if [ -e "$dev/driver" ]; then
	echo "$cmb" >"$dev/driver/unbind" || fail "unbind of $cmb failed"
fi
setpci -s "$cmb" COMMAND=0x0002 || fail "cannot enable memory decoding of $cmb"

cat >"$dir/cpu.py" <<'EOF'
import mmap, os, sys
res, stop, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = os.path.getsize(res)
m = mmap.mmap(os.open(res, os.O_RDWR | os.O_SYNC), size, mmap.MAP_SHARED)
pages = size // 4096
rng = __import__("random").Random(seed)
ops = bad = 0
while not os.path.exists(stop):
    # Each process keeps to its own pages.
    p = rng.randrange(seed, pages, os.cpu_count())
    data = rng.randbytes(4096)
    m[p * 4096:(p + 1) * 4096] = data
    got = m[p * 4096:(p + 1) * 4096]
    ops += 1
    if got != data:
        bad += 1
        diff = [i for i in range(4096) if got[i] != data[i]]
        print(f"page {p}: {len(diff)} bytes wrong, {diff[0]}..{diff[-1]},"
              f" read {got[diff[0]:diff[0] + 16].hex()} wrote {data[diff[0]:diff[0] + 16].hex()}",
              file=sys.stderr, flush=True)
print(f"ops={ops} bad={bad}")
EOF
pids=()
for c in $(seq 0 $(($(nproc) - 1))); do
	python3 "$dir/cpu.py" "$dev/resource2" "$dir/stop" "$c" >"$dir/out.$c" 2>"$dir/err.$c" &
	pids+=($!)
done
t0=$(date +%s)
for c in $(seq "$n"); do
	sleep 2
	progress "cycle $c"
	case $mode in
	qemu)
		hot_del shm0
		hot_ram "m$c" $((64 << 20))
		hot_add shm0 memdev="m$c"
		name_membar "$shm"
		;;
	*) sleep 6 ;;
	esac
done
progress "stopping"
touch "$dir/stop"
wait "${pids[@]}"
ops=0 bad=0
for c in $(seq 0 $(($(nproc) - 1))); do
	head -n 5 "$dir/err.$c"
	read -r o b < <(sed 's/[a-z]*=//g' "$dir/out.$c")
	ops=$((ops + o)) bad=$((bad + b))
done
echo "cmb-cpu-map-change: MODE=$mode N=$n, $(($(date +%s) - t0)) s: $bad of $ops pages read back wrong"
[ "$bad" = 0 ] || fail "$bad of $ops pages read back wrong"

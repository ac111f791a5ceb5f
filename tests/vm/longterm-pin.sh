# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# A long-term pin the kernel cannot refuse: an io_uring fixed buffer registered on a mapping of
# /dev/p2pmemN. Unbinding the provider zaps the mapping, but the pinned pages stay referenced:
# dmesg says how much memory teardown waits for and which process mapped it, and teardown
# waits. Once the process exits (the pin goes), teardown completes.
. "$(dirname "$0")/lib.sh"

shm=$(fn_of 1af4:1110)
p=$(provider_of "$shm")
dir=$(mktemp -d)
python3 - "/dev/$p" "$dir" <<'PY' &
import ctypes, mmap, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), 1 << 20, mmap.MAP_SHARED)
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
params = ctypes.create_string_buffer(120)
ring = libc.syscall(425, 4, params)  # io_uring_setup
if ring < 0:
    sys.exit("io_uring_setup: errno %d" % ctypes.get_errno())
iov = (ctypes.c_uint64 * 2)(addr, 1 << 20)
if libc.syscall(427, ring, 0, iov, 1) < 0:  # io_uring_register(IORING_REGISTER_BUFFERS)
    sys.exit("io_uring_register: errno %d" % ctypes.get_errno())
open(sys.argv[2] + "/pinned", "w").close()
time.sleep(600)
PY
holder=$!
for _ in $(seq 100); do [ -e "$dir/pinned" ] && break; sleep 0.1; done
expect_file "$dir/pinned"

mark=$(dmesg_mark)
echo "$shm" >/sys/bus/pci/drivers/p2pmem_membar/unbind &
unbind=$!
for _ in $(seq 100); do
	dmesg_since "$mark" | grep -q "teardown waits" && break
	sleep 0.1
done
line=$(dmesg_since "$mark" | grep "teardown waits")
case $line in
*"$p: teardown waits for 1024 KiB still referenced"*"last mapped by pid $holder python3"*) ;;
*) fail "no report of the pinned memory: '$line'" ;;
esac
sleep 1
kill -0 "$unbind" 2>/dev/null || fail "teardown did not wait for the pinned pages"

kill "$holder"
wait "$holder" 2>/dev/null
exited_within "$unbind" 10 || fail "teardown still waits after the pin went"
wait "$unbind" || fail "unbind failed"
expect_no_file "/sys/class/p2pmem/$p"
rebind "$shm" p2pmem_membar

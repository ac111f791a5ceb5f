# SPDX-License-Identifier: GPL-2.0
# vm: --topology rootports --test-modules
# Topology of pinnable user mappings. The CMB of the NVMe on one root port is wrapped; the NVMe
# on the other root port cannot reach it (NOT_SUPPORTED: q35's host bridge 8086:29c0 is not
# allowed). So /dev/p2pmemN mappings are CPU-only: an O_DIRECT read from that NVMe into one gets
# EFAULT, issues no I/O and leaves the memory alone, and dmesg names the NVMe, the reason and
# the opt-in. With pin_any_client=1 the mapping is pinnable and the read arrives.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain)
ns=$(nvme_ns "$plain")
if [ -e "/sys/bus/pci/devices/$cmb/driver" ]; then
	echo "$cmb" >"/sys/bus/pci/devices/$cmb/driver/unbind" || fail "unbind $cmb failed"
fi
echo "$cmb 2" >/sys/class/p2pmem/wrap || fail "wrap $cmb failed"
trap 'echo "$cmb" >/sys/class/p2pmem/unwrap; rebind "$cmb" nvme' EXIT
p=$(provider_of "$cmb")
[ -n "$p" ] || fail "no provider below $cmb"
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4
dd if=/dev/urandom of="$ns" bs=64K count=1 oflag=direct status=none || fail "filling $ns failed"
want=$(dd if="$ns" bs=64K count=1 iflag=direct status=none | sha256sum | cut -d" " -f1)

# read_into FILE: an O_DIRECT read of 64 KiB of $ns into a mapping of FILE that the CPU filled
# with 0xa5 first; prints "RESULT IOS SHA": ok or the errno name, the read I/Os $ns completed
# during the call, and the checksum of the mapping afterwards.
read_into() {
	python3 - "$1" "$ns" "/sys/block/${ns#/dev/}/stat" <<-'EOF'
	import errno, hashlib, mmap, os, sys
	m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), 65536, mmap.MAP_SHARED)
	m[:] = b"\xa5" * 65536
	fd = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECT)
	ios = lambda: int(open(sys.argv[3]).read().split()[0])
	before = ios()
	try:
	    res = "ok" if os.preadv(fd, [m], 0) == 65536 else "short"
	except OSError as e:
	    res = errno.errorcode[e.errno]
	print(res, ios() - before, hashlib.sha256(m[:]).hexdigest())
	EOF
}
pattern=$(head -c 65536 /dev/zero | tr '\0' '\245' | sha256sum | cut -d" " -f1)

mark=$(dmesg_mark)
set -- $(read_into "/dev/$p")
expect_eq "O_DIRECT read from $plain into a /dev/$p mapping" EFAULT "$1"
expect_eq "read I/Os issued by the refused read" 0 "$2"
expect_eq "the mapping after the refused read (untouched)" "$pattern" "$3"
expect_eq "pin_any_client by default" 0 "$(cat "/sys/class/p2pmem/$p/pin_any_client")"
expect_eq "mode of pin_any_client" 644 "$(stat -c %a "/sys/class/p2pmem/$p/pin_any_client")"
line="p2pmem $p: user mappings are CPU-only: $plain (block ${ns#/dev/}) cannot reach the memory: P2P is not \
possible: no common upstream bridge and host bridge 8086:29c0 is not allowed; if it routes P2P, \
allow it: echo 8086:29c0 > /sys/class/p2pmem/host_bridge_allow; to pin anyway: echo 1 > \
/sys/class/p2pmem/$p/pin_any_client"
dmesg_since "$mark" | grep -qF "$line" ||
	fail "no dmesg line naming $plain: $(dmesg_since "$mark" | grep p2pmem)"
rc=0
python3 "$(dirname "$0")/p2pcopy.py" "/sys/class/p2pmem/$p/allocate" "$ns" "$ns" 65536 65536 \
	2>/dev/null || rc=$?
expect_eq "mmap of allocate (1: refused, CPU-only)" 1 "$rc"

# Bad values change nothing.
for bad in 2 x maybe ""; do
	(echo "$bad" >"/sys/class/p2pmem/$p/pin_any_client") 2>/dev/null && fail "'$bad' accepted"
done
expect_eq "pin_any_client after bad writes" 0 "$(cat "/sys/class/p2pmem/$p/pin_any_client")"

# Root opts in for this provider: pinnable, the NVMe DMAs across the root ports.
echo 1 >"/sys/class/p2pmem/$p/pin_any_client" || fail "pin_any_client=1 refused"
expect_eq "pin_any_client" 1 "$(cat "/sys/class/p2pmem/$p/pin_any_client")"
mark=$(dmesg_mark)
set -- $(read_into "/dev/$p")
expect_eq "O_DIRECT read with pin_any_client=1" ok "$1"
expect_eq "the data read with pin_any_client=1" "$want" "$3"
dmesg_since "$mark" | grep -q "$p: user mappings are CPU-only" &&
	fail "a refusal was logged with pin_any_client=1"

# Back to the default.
echo 0 >"/sys/class/p2pmem/$p/pin_any_client" || fail "pin_any_client=0 refused"
set -- $(read_into "/dev/$p")
expect_eq "O_DIRECT read with pin_any_client=0 again" EFAULT "$1"

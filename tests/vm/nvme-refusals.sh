# SPDX-License-Identifier: GPL-2.0
# vm: --topology rootports --nvme-patched
# The patched nvme driver refuses p2pmem it cannot use, with a message, and does no I/O:
#  - a provider the controller cannot reach: the CMB of the NVMe on one root port, mapped by a
#    process, with pin_any_client set so that O_DIRECT may use the mapping, and an O_DIRECT
#    read from the NVMe on the other root port into it (q35's host bridge 8086:29c0 is not
#    allowed): the read fails and the log says "cannot reach the p2pmem of <CMB>";
#  - a request that mixes p2pmem and RAM, read from the CMB's own NVMe: it either fails with
#    "refusing a request that mixes p2pmem with other memory" or the block layer split it into
#    requests of one kind each, and then the data must be right.
# The same reads into RAM work.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
cmb=$(nvme_cmb) plain=$(nvme_plain)
p=$(provider_of "$cmb")
[ -n "$p" ] || fail "the CMB of $cmb is not a provider"
far=$(nvme_ns "$plain") own=$(nvme_ns "$cmb")
ctrl=$(basename "$(ls -d /sys/bus/pci/devices/"$plain"/nvme/nvme*)")
expect_eq "verdict $cmb -> $plain" NOT_SUPPORTED "$(verdict_of "$cmb" "$plain" map_type)"
dd if=/dev/urandom of="$far" bs=64k count=1 oflag=direct status=none || fail "filling $far failed"
dd if=/dev/urandom of="$own" bs=64k count=1 oflag=direct status=none || fail "filling $own failed"
echo 1 >"/sys/class/p2pmem/$p/pin_any_client" || fail "pin_any_client=1 refused"
trap 'echo 0 >"/sys/class/p2pmem/$p/pin_any_client"' EXIT

read_into() { # DEV KIND: O_DIRECT read of 8 KiB of DEV into KIND (p2pmem, ram, mixed)
	python3 - "/dev/$p" "$1" "$2" <<'EOF'
import mmap, os, sys
path, dev, kind = sys.argv[1:4]
size = 8192
p2p = mmap.mmap(os.open(path, os.O_RDWR), size, mmap.MAP_SHARED)
ram = mmap.mmap(-1, size)
bufs = {"p2pmem": [p2p], "ram": [ram],
        "mixed": [memoryview(p2p)[:4096], memoryview(ram)[:4096]]}[kind]
fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
try:
    n = os.preadv(fd, bufs, 0)
except OSError as e:
    print(f"error {e.errno}")
    sys.exit(0)
with open(dev, "rb") as f:
    want = f.read(size)
got = b"".join(bytes(b) for b in bufs)
print("ok" if n == size and got == want else f"wrong data ({n} bytes)")
EOF
}

expect_eq "O_DIRECT read of $far into RAM" ok "$(read_into "$far" ram)"
mark=$(dmesg_mark)
res=$(read_into "$far" p2pmem)
case $res in "error "*) ;; *) fail "read of $far into the CMB of $cmb: expected an error, got $res" ;; esac
dmesg_since "$mark" | grep -q "$ctrl: cannot reach the p2pmem of $cmb" ||
	fail "no 'cannot reach' line: $(dmesg_since "$mark" | tail -n 5)"
echo "unreachable: $res; $(dmesg_since "$mark" | grep -o "$ctrl: cannot reach.*" | head -n 1)"

expect_eq "O_DIRECT read of $own into the CMB" ok "$(read_into "$own" p2pmem)"
mark=$(dmesg_mark)
res=$(read_into "$own" mixed)
case $res in
ok) echo "mixed: split by the block layer, data right" ;;
"error "*)
	dmesg_since "$mark" | grep -q "refusing a request that mixes p2pmem with other memory" ||
		fail "mixed request failed ($res) without the driver's line"
	echo "mixed: $res, refused by the driver"
	;;
*) fail "mixed read of $own: $res" ;;
esac

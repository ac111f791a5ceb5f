# SPDX-License-Identifier: GPL-2.0
# Helpers for VM tests (tests/vm/*.sh). Each test is a bash script run as root in the guest;
# it exits 0 when every check held. A failed check prints what was expected and what was seen.

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# write FILE VALUE: writes VALUE to FILE; prints "ok" or the error (e.g. "Invalid argument").
write() { (echo "$2" >"$1") 2>&1 | sed 's/.*: //' | grep . || echo ok; }

expect_file() { [ -e "$1" ] || fail "$1 does not exist"; }
expect_no_file() { [ ! -e "$1" ] || fail "$1 exists"; }

# pci_ids: "vendor:device" of every PCI function, one per line.
pci_ids() {
	local d
	for d in /sys/bus/pci/devices/*; do
		printf '%s:%s %s\n' "$(sed 's/^0x//' "$d/vendor")" "$(sed 's/^0x//' "$d/device")" \
			"${d##*/}"
	done
}

# count_id VENDOR:DEVICE: how many functions have that ID.
count_id() { pci_ids | grep -c "^$1 " || true; }

# The PCI address of the upstream bridge of function $1.
upstream_of() { basename "$(dirname "$(readlink -f "/sys/bus/pci/devices/$1")")"; }

# fn_of VENDOR:DEVICE [N]: the Nth (1-based) function with that ID, in address order.
fn_of() { pci_ids | awk -v id="$1" '$1 == id { print $2 }' | sed -n "${2:-1}p"; }

# nvme_with_bar2 yes|no: the first NVMe controller with (or without) a BAR2, i.e. a CMB.
nvme_with_bar2() {
	local want=$1 f has
	for f in $(pci_ids | awk '$1 == "1b36:0010" { print $2 }'); do
		set -- $(sed -n 3p "/sys/bus/pci/devices/$f/resource")
		has=yes
		[ "$2" != 0x0000000000000000 ] || has=no
		[ "$has" != "$want" ] || { echo "$f"; return; }
	done
}
nvme_cmb() { nvme_with_bar2 yes; }
nvme_plain() { nvme_with_bar2 no; }

QUERY=/sys/kernel/debug/p2pmem/query

# verdict PROVIDER CLIENT: the query file's answer (key=value lines).
verdict() { echo "$1 $2" >"$QUERY" && cat "$QUERY"; }

# verdict_of PROVIDER CLIENT KEY: one value of the answer.
verdict_of() { verdict "$1" "$2" | sed -n "s/^$3=//p"; }

# expect_verdict PROVIDER CLIENT MAP_TYPE DISTANCE: both directions agree.
expect_verdict() {
	local out
	for pair in "$1 $2" "$2 $1"; do
		out=$(verdict $pair) || fail "query '$pair' failed"
		expect_eq "map_type of $pair" "$3" "$(sed -n 's/^map_type=//p' <<<"$out")"
		expect_eq "distance of $pair" "$4" "$(sed -n 's/^distance=//p' <<<"$out")"
	done
}

# dmesg_mark / dmesg_since MARK: the kernel log lines written after the mark, so that a test
# reads only what it caused, whatever ran before it in the same boot.
dmesg_mark() { dmesg | wc -l; }
dmesg_since() { dmesg | tail -n +$(($1 + 1)); }

# rebind FUNCTION DRIVER: binds FUNCTION to DRIVER and waits until it is bound (nvme probes
# asynchronously).
rebind() {
	echo "$1" >"/sys/bus/pci/drivers/$2/bind" || fail "rebind of $1 to $2 failed"
	for _ in $(seq 100); do
		[ "$(basename "$(readlink -f "/sys/bus/pci/devices/$1/driver")")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 not bound to $2"
}

# cmb_regs FUNCTION [clear]: CMBLOC, CMBSZ and CMBMSC (low, high) of an NVMe function, read
# from its BAR 0 as "0x.. 0x.. 0x.. 0x..". With "clear", first write 0 to CMBMSC.
cmb_regs() {
	local dev=/sys/bus/pci/devices/$1
	shift
	python3 -I -S - "$dev/resource0" "$@" <<-'EOF'
	import ctypes, mmap, os, sys
	m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR | os.O_SYNC), 4096)
	reg = lambda off: ctypes.c_uint32.from_buffer(m, off)
	if sys.argv[2:] == ["clear"]:
	    reg(0x50).value = 0
	    reg(0x54).value = 0
	print(" ".join("%#x" % reg(off).value for off in (0x38, 0x3c, 0x50, 0x54)))
	EOF
}

# nvme_ns FUNCTION: the block device of the first namespace of an NVMe function.
nvme_ns() { echo "/dev/$(basename "$(ls -d /sys/bus/pci/devices/"$1"/nvme/nvme*/nvme*n1 | head -n 1)")"; }

# expect_p2p_copies FILE SRC DST: O_DIRECT copies of 4 MiB of SRC to DST through memory mmap()ed
# from FILE (tests/vm/p2pcopy.py), in 4 KiB, 64 KiB and 1 MiB chunks, each checked by checksum.
expect_p2p_copies() {
	local want chunk
	want=$(dd if="$2" bs=1M count=4 iflag=direct status=none | sha256sum)
	for chunk in 4096 65536 1048576; do
		dd if=/dev/zero of="$3" bs=1M count=4 oflag=direct status=none
		python3 "$(dirname "${BASH_SOURCE[0]}")/p2pcopy.py" "$1" "$2" "$3" "$chunk" $((4 << 20)) ||
			fail "copy through $1 in $chunk-byte chunks failed"
		expect_eq "checksum through $1, $chunk-byte chunks" "$want" \
			"$(dd if="$3" bs=1M count=4 iflag=direct status=none | sha256sum)"
	done
}

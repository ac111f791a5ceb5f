# SPDX-License-Identifier: GPL-2.0
# Helpers for VM tests (tests/vm/*.sh). Each test is a bash script run as root in the guest;
# it exits 0 when every check held. A failed check prints what was expected and what was seen.

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# by_length GATE LONG: GATE in `make check`, LONG in `make check-long` (P2PMEM_TEST_LENGTH=long):
# the default of a test's length knob (cycles, seconds, writes). An explicit knob wins.
by_length() {
	if [ "${P2PMEM_TEST_LENGTH:-gate}" = long ]; then echo "$2"; else echo "$1"; fi
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

# override_of FUNCTION: the driver_override of FUNCTION; nothing when it has none.
override_of() {
	local o
	o=$(cat "/sys/bus/pci/devices/$1/driver_override") || fail "no driver_override for $1"
	[ "$o" = "(null)" ] || echo "$o"
}

# name_membar FUNCTION: names FUNCTION for the memory-BAR driver, which binds nothing else, as
# scripts/vm-guest names the ivshmem functions at boot (driver_override p2pmem_membar), and
# waits until it is bound. For a hot-added function, which comes without the name: it waits
# for the function to appear (up to 30 s) and probes it.
name_membar() {
	local dev=/sys/bus/pci/devices/$1
	for _ in $(seq 300); do
		[ -e "$dev/driver_override" ] && break
		sleep 0.1
	done
	echo p2pmem_membar >"$dev/driver_override" || fail "naming $1 for p2pmem_membar failed"
	echo "$1" >/sys/bus/pci/drivers_probe || fail "probing $1 failed"
	# The PCI core may not yet let drivers match a function it is still adding; then it probes
	# the function itself once it has added it.
	for _ in $(seq 300); do
		[ "$(basename "$(readlink -f "$dev/driver")")" = p2pmem_membar ] && return 0
		sleep 0.1
	done
	fail "$1 not bound to p2pmem_membar"
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

# --- NVMe over TCP on the loopback address, through the patched nvmet (vm-run --nvmet-patched)

NVMET=/sys/kernel/config/nvmet
NVMET_NQN=nqn.2026-11.io.p2pmem:nvmet-test
NVMET_PORT=$NVMET/ports/1

# nvmet_port ALLOW: TCP port 1 at 127.0.0.1:4420 with param_allow_p2pmem=ALLOW, no subsystem.
nvmet_port() {
	ip link set lo up
	mkdir "$NVMET_PORT" || fail "creating port 1 failed"
	echo tcp >"$NVMET_PORT/addr_trtype"
	echo ipv4 >"$NVMET_PORT/addr_adrfam"
	echo 127.0.0.1 >"$NVMET_PORT/addr_traddr"
	echo 4420 >"$NVMET_PORT/addr_trsvcid"
	echo "$1" >"$NVMET_PORT/param_allow_p2pmem" || fail "param_allow_p2pmem=$1 refused"
}

# nvmet_target DEVICE ALLOW [P2PMEM]: a subsystem with DEVICE as namespace 1 (its p2pmem
# attribute set to P2PMEM, default 0), enabled, linked to nvmet_port ALLOW. Fails the test if
# any step fails.
nvmet_target() {
	local s=$NVMET/subsystems/$NVMET_NQN
	modprobe nvmet-tcp || fail "modprobe nvmet-tcp failed"
	[ -e /sys/module/p2pmem/holders/nvmet ] || fail "the nvmet loaded is not the patched one"
	mkdir "$s" && echo 1 >"$s/attr_allow_any_host" || fail "creating $NVMET_NQN failed"
	mkdir "$s/namespaces/1" || fail "creating namespace 1 failed"
	echo "$1" >"$s/namespaces/1/device_path"
	echo "${3:-0}" >"$s/namespaces/1/p2pmem" || fail "p2pmem=${3:-0} refused"
	echo 1 >"$s/namespaces/1/enable" || fail "enabling namespace 1 ($1) failed"
	nvmet_port "$2"
	ln -s "$s" "$NVMET_PORT/subsystems/$NVMET_NQN" || fail "linking $NVMET_NQN to port 1 failed"
}

# nvmet_connect: connects the host side; prints the namespace's block device. Call it as
# dev=$(nvmet_connect) || exit 1.
nvmet_connect() {
	modprobe nvme-tcp || fail "modprobe nvme-tcp failed"
	nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$NVMET_NQN" \
		--hostnqn=nqn.2014-08.org.nvmexpress:uuid:8e7bc0f2-6b5e-4c55-9a3b-2f0e5c9c0e01 \
		--hostid=8e7bc0f2-6b5e-4c55-9a3b-2f0e5c9c0e01 >/dev/null ||
		fail "nvme connect failed"
	nvmet_dev
}

# nvmet_dev: the block device of the connected namespace, once there (up to 10 s); call it as
# dev=$(nvmet_dev) || exit 1. A namespace the host dropped and found again may come back as
# nvmeXn2 while the old device is still open.
nvmet_dev() {
	local c d i
	for i in $(seq 100); do
		for c in /sys/class/nvme/nvme*; do
			[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$NVMET_NQN" ] || continue
			[ "$(cat "$c/transport")" = tcp ] || continue
			for d in "/dev/${c##*/}"n*; do
				if [ -b "$d" ]; then
					echo "$d"
					return
				fi
			done
		done
		sleep 0.1
	done
	fail "no namespace after nvme connect"
}

# nvmet_disconnect, nvmet_unconfigure and nvmet_teardown: undo the two above (unconfigure
# removes the port and subsystem, teardown also unloads the target).
nvmet_disconnect() { nvme disconnect -n "$NVMET_NQN" >/dev/null || fail "nvme disconnect failed"; }
nvmet_unconfigure() {
	local s=$NVMET/subsystems/$NVMET_NQN
	rm -f "$NVMET_PORT/subsystems/$NVMET_NQN"
	[ ! -d "$NVMET_PORT" ] || rmdir "$NVMET_PORT"
	[ ! -d "$s/namespaces/1" ] || { echo 0 >"$s/namespaces/1/enable"; rmdir "$s/namespaces/1"; }
	[ ! -d "$s" ] || rmdir "$s"
}
nvmet_teardown() {
	nvmet_unconfigure
	modprobe -r nvme-tcp nvmet-tcp nvmet || fail "unloading the NVMe/TCP modules failed"
}

# provider_dir FUNCTION: the sysfs directory of the (first) provider below FUNCTION; nothing when
# it has none.
provider_dir() { ls -d /sys/bus/pci/devices/"$1"/p2pmem/p2pmem* 2>/dev/null | head -n 1; }
# provider_of FUNCTION: the name (p2pmemN) of that provider; nothing when it has none.
provider_of() { local d; d=$(provider_dir "$1"); [ -z "$d" ] || basename "$d"; }
# provider_stat FUNCTION ATTR: an attribute of that provider.
provider_stat() { cat "$(provider_dir "$1")/$2"; }

# exited_within PID SECONDS: waits up to SECONDS for process PID to end; false if it still runs.
exited_within() {
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# --- QEMU's monitor, through scripts/qmp-broker on the host (vm-run) -----------------------

# qmp JSON: runs one QMP command; prints QEMU's answer (JSON). Fails the test when no broker
# answers within 2 minutes.
qmp() {
	local dir=$VM_RUNDIR/qmp req i
	[ -d "$dir" ] || fail "no QMP broker (run the test under scripts/vm-run)"
	req=$(mktemp "$dir/XXXXXX") || fail "cannot write to $dir"
	printf '%s\n' "$1" >"$req"
	mv "$req" "$req.req"
	for i in $(seq 1200); do
		if [ -e "$req.resp" ]; then
			cat "$req.resp"
			rm -f "$req.resp"
			return
		fi
		sleep 0.1
	done
	fail "no answer from the QMP broker to $1"
}

# qmp_ok JSON: runs a QMP command and fails the test unless QEMU answered with "return".
qmp_ok() {
	local out
	out=$(qmp "$1") || exit 1
	grep -q '"return"' <<<"$out" || fail "QMP $1: $out"
}

# hot_del ID...: device_del of each QEMU device ID (all at once, so that their slots' 5 s
# attention-button delays overlap), then waits until QEMU reports each one deleted, i.e. the
# guest powered its slot off. hot_del_request and hot_del_wait are the two halves.
hot_del_request() {
	local id
	for id in "$@"; do
		qmp_ok "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"$id\"}}"
	done
}
hot_del_wait() {
	local id out
	for id in "$@"; do
		out=$(qmp "{\"execute\": \"x-wait-event\", \"arguments\": {\"event\": \"DEVICE_DELETED\",
			\"data\": {\"device\": \"$id\"}, \"timeout\": 120}}") || exit 1
		grep -q '"DEVICE_DELETED"' <<<"$out" || fail "$id was not removed: $out"
	done
}
hot_del() {
	hot_del_request "$@"
	hot_del_wait "$@"
}

# hot_add ID [KEY=VALUE...]: device_add of QEMU device ID with the arguments the VM was started
# with, KEY replaced by VALUE for each pair given.
hot_add() {
	local id=$1 opts out kv
	shift
	opts=$(grep -E "(^|,)id=$id(,|$)" "$VM_RUNDIR/devices") || fail "no device $id in the topology"
	for kv in "$@"; do
		opts=$(sed -E "s/(^|,)${kv%%=*}=[^,]*/\1$kv/" <<<"$opts")
	done
	out=$(qmp "{\"execute\": \"human-monitor-command\",
		\"arguments\": {\"command-line\": \"device_add $opts\"}}") || exit 1
	expect_eq "device_add $id" '{"return": ""}' "$out"
}

# hot_ram ID SIZE: a new memory-backend-ram for a re-added ivshmem. QEMU 7.2 cannot give a
# device_add the backend of a deleted ivshmem (it asserts in qemu_ram_set_idstr).
hot_ram() {
	qmp_ok "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\",
		\"id\": \"$1\", \"size\": $2}}"
}

# expect_uncached DEV: a 64 KiB mapping of DEV, every page touched, is uncached in the page
# tables: each of its PTEs has PCD (pgprot_noncached(): UC- with PAT, UC without), as the
# mapping process's own page tables show (/sys/kernel/debug/page_tables/current_kernel, whose
# "User Space" part they are; CONFIG_PTDUMP_DEBUGFS).
expect_uncached() {
	local out
	[ -r /sys/kernel/debug/page_tables/current_kernel ] ||
		fail "no /sys/kernel/debug/page_tables/current_kernel (CONFIG_PTDUMP_DEBUGFS)"
	out=$(python3 - "$1" <<'EOF'
import ctypes, mmap, os, sys
size = 1 << 16
m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), size, mmap.MAP_SHARED)
for off in range(0, size, 4096):
    m[off] = 1
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
hits = []
with open("/sys/kernel/debug/page_tables/current_kernel") as f:
    for line in f:
        if not line.startswith("0x"):
            continue
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if lo < addr + size and addr < hi:
            hits.append(line.rstrip())
print("\n".join(hits) if hits else "no page table entries at %#x" % addr)
EOF
	) || fail "mapping $1 failed: $out"
	grep -q '^0x' <<<"$out" || fail "$1: $out"
	if grep -v ' PCD ' <<<"$out" | grep -q .; then
		fail "$1 is mapped cacheable: $out"
	fi
	printf 'uncached: %s\n' "$out"
}

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvmet-patched
# flavor: debug
# Fault injection (failslab and fail_page_alloc, through fail-nth on the acting task only, so the
# rest of the guest allocates normally): for each operation, the run with the n-th allocation site
# failing, for n = 1, 2, ... (every n up to 64, then steps of n/16) until the operation reaches
# fewer than n sites. The operations: loading p2pmem.ko (which creates the ivshmem provider as it
# binds the ivshmem, named for p2pmem_membar by scripts/vm-guest), binding the ivshmem to
# p2pmem_membar (provider creation), wrapping the CMB's BAR, mmap() of /dev/p2pmemN, and enabling
# an nvmet namespace whose p2pmem names a provider. After each run: a success leaves a whole
# provider (or mapping, or namespace), which is then undone; a failure returned an error (or, for
# a probe at load, logged one naming the device) and left nothing behind - no provider, /dev node,
# wrap, allocation or claim. Leaks: the kmemleak scan that ends the boot (tests/vm/run). The
# kernel's own warnings about the injected failures are expected here: warn_alloc's stack dumps
# (vmalloc, vmemmap) and x86 add_pages()'s WARN_ON_ONCE when memory hot-add fails. The test scans
# its part of the log without them, then clears the log for the checks that follow.
. "$(dirname "$0")/lib.sh"

dbg=/sys/kernel/debug
for a in failslab fail_page_alloc; do
	[ -d "$dbg/$a" ] || fail "no $dbg/$a: this kernel lacks fault injection (make check-debug)"
	echo 0 >"$dbg/$a/verbose"
	echo N >"$dbg/$a/ignore-gfp-wait"
done
echo 0 >"$dbg/fail_page_alloc/min-order"
# x86's alloc_low_pages() returns NULL when its page fails after boot, and phys_pud_init()
# dereferences it: an oops in memory hot-add, which memremap_pages() does (Linux 7.3, found by
# this test). So no injected page failure below init_memory_mapping(), where the direct map
# of the new range is built. The filter needs CONFIG_FAULT_INJECTION_STACKTRACE_FILTER
# (configs/debug.config).
[ -e "$dbg/fail_page_alloc/reject-start" ] || fail "no stack-trace filter for fault injection"
read -r from to < <(sort /proc/kallsyms |
	awk '$3 == "init_memory_mapping" { s = $1; next } s && $1 != s { print s, $1; exit }')
[ -n "$to" ] && [ "$((16#$from))" != 0 ] || fail "init_memory_mapping is not in /proc/kallsyms"
echo "0x$from" >"$dbg/fail_page_alloc/reject-start"
echo "0x$to" >"$dbg/fail_page_alloc/reject-end"
dir=$(mktemp -d)
cc -Wall -O2 -o "$dir/fail-nth" "$(dirname "$0")/fail-nth.c" || fail "building fail-nth failed"
FAILNTH=$dir/fail-nth

C=/sys/class/p2pmem
shm=$(fn_of 1af4:1110) cmb=$(nvme_cmb) plain=$(nvme_plain)
start_mark=$(dmesg_mark)

# whole_provider FUNCTION SIZE: FUNCTION has exactly one provider, with a /dev node, a class
# link and SIZE bytes available.
whole_provider() {
	local d n
	d=$(ls -d /sys/bus/pci/devices/"$1"/p2pmem/p2pmem* 2>/dev/null) || fail "$what: $1 has no provider"
	[ "$(wc -l <<<"$d")" = 1 ] || fail "$what: $1 has $(wc -l <<<"$d") providers"
	n=${d##*/}
	expect_file "$C/$n"
	expect_file "/dev/$n"
	expect_eq "$what: available of $n" "$2" "$(cat "$d/available")"
	expect_eq "$what: allocations of $n" 0 "$(cat "$d/allocations")"
}

# no_provider FUNCTION: FUNCTION has no provider, and no class device or /dev node names it.
no_provider() {
	local n
	expect_no_file "/sys/bus/pci/devices/$1/p2pmem"
	for n in "$C"/p2pmem*; do
		[ -e "$n" ] || continue
		[ "$(basename "$(readlink -f "$n/device")")" != "$1" ] ||
			fail "$what: ${n##*/} still names $1"
	done
}

# logged FUNCTION: the log since the run's mark has an error naming FUNCTION.
logged() {
	dmesg_since "$mark" | grep "$1" | grep -qiE "p2pmem|fail|error" ||
		fail "$what: nothing logged for $1: $(dmesg_since "$mark" | tail -n 5)"
}

# sweep NAME CHECK OP...: the runs of "fail-nth n OP..."; after each, CHECK FIRED RET checks the
# state and undoes a success.
sweep() {
	local name=$1 check=$2 n=1 out fired ret injected=0 errors=0 last=0 runs=0
	shift 2
	while :; do
		what="$name, site $n"
		mark=$(dmesg_mark)
		out=$("$FAILNTH" "$n" "$@") || fail "$what: fail-nth: $out"
		read -r fired ret < <(sed 's/[a-z]*=//g' <<<"$out")
		runs=$((runs + 1))
		if [ "$fired" = 0 ]; then
			[ "$ret" = 0 ] || fail "$what: the operation failed with no fault injected ($ret)"
			"$check" 0 0
			break
		fi
		injected=$((injected + 1)) last=$n
		[ "$ret" = 0 ] || errors=$((errors + 1))
		"$check" 1 "$ret"
		[ $runs -lt 500 ] || fail "$name: still reaching site $n after $runs runs"
		n=$((n + (n < 64 ? 1 : n / 16)))
	done
	echo "fault: $name: $last to $((n - 1)) allocation sites; $injected runs with a failure" \
		"injected, $errors of them returned an error"
}

# FAULT_OPS (default: all of them) chooses the operations, e.g. to debug one.
ops=${FAULT_OPS:-load bind wrap mmap nvmet}
want() { grep -qw "$1" <<<"$ops"; }

# --- module load ------------------------------------------------------------------------------
check_load() {
	if [ "$2" = 0 ]; then
		expect_file /sys/module/p2pmem
		if [ -e "/sys/bus/pci/devices/$shm/p2pmem" ]; then
			whole_provider "$shm" $((64 << 20))
		else
			no_provider "$shm"
			logged "$shm"
		fi
		rmmod p2pmem || fail "$what: rmmod p2pmem failed"
	fi
	expect_no_file /sys/module/p2pmem
	expect_no_file "$C"
}
if want load; then
	rmmod p2pmem || fail "rmmod p2pmem failed"
	sweep "load of p2pmem.ko" check_load load "$P2PMEM_KO"
	insmod "$P2PMEM_KO" || fail "insmod after the sweep failed"
	whole_provider "$shm" $((64 << 20))
fi

# --- provider creation: binding the ivshmem ---------------------------------------------------
drv=/sys/bus/pci/drivers/p2pmem_membar
check_bind() {
	if [ -e "/sys/bus/pci/devices/$shm/driver" ]; then
		whole_provider "$shm" $((64 << 20))
		[ "$2" = 0 ] || fail "$what: bound, but the write returned $2"
		echo "$shm" >"$drv/unbind"
	else
		no_provider "$shm"
		[ "$1" = 1 ] || fail "$what: not bound without a fault"
		# A failed probe need not fail the write: then the log must say it.
		[ "$2" != 0 ] || logged "$shm"
	fi
	no_provider "$shm"
}
if want bind; then
	echo "$shm" >"$drv/unbind"
	sweep "provider creation (bind)" check_bind write "$drv/bind" "$shm"
	rebind "$shm" p2pmem_membar
fi

# --- wrap of the CMB's BAR 2 (unbound: nvme requests every BAR, so a wrap must not race it) ---
nproviders=$(ls -d "$C"/p2pmem* | wc -l)
check_wrap() {
	if [ "$2" = 0 ]; then
		whole_provider "$cmb" $((64 << 20))
		echo "$cmb" >"$C/unwrap" || fail "$what: unwrap failed"
	fi
	no_provider "$cmb"
	expect_eq "$what: wraps" "" "$(cat "$C/wrap")"
	expect_eq "$what: providers" "$nproviders" "$(ls -d "$C"/p2pmem* | wc -l)"
}
if want wrap; then
	echo "$cmb" >/sys/bus/pci/drivers/nvme/unbind || fail "unbinding $cmb from nvme failed"
	sweep "wrap" check_wrap write "$C/wrap" "$cmb 2"
	rebind "$cmb" nvme
fi

# --- mmap() of /dev/p2pmemN -------------------------------------------------------------------
p=$(provider_of "$shm")
check_mmap() { whole_provider "$shm" $((64 << 20)); }
! want mmap || sweep "mmap" check_mmap mmap "/dev/$p" $((1 << 20))

# --- nvmet: enabling a namespace whose p2pmem names the ivshmem provider ----------------------
if want nvmet; then
	modprobe nvmet || fail "modprobe nvmet failed"
	[ -e /sys/module/p2pmem/holders/nvmet ] || fail "the nvmet loaded is not the patched one"
	refcnt=$(cat /sys/module/p2pmem/refcnt)
	S=$NVMET/subsystems/$NVMET_NQN
	mkdir "$S" "$S/namespaces/1" || fail "creating $NVMET_NQN failed"
	nvme_ns "$plain" >"$S/namespaces/1/device_path"
	echo "$shm" >"$S/namespaces/1/p2pmem" || fail "p2pmem=$shm refused"
	check_enable() {
		if [ "$2" = 0 ]; then
			expect_eq "$what: enable" 1 "$(cat "$S/namespaces/1/enable")"
			echo 0 >"$S/namespaces/1/enable"
		fi
		expect_eq "$what: enable" 0 "$(cat "$S/namespaces/1/enable")"
		expect_eq "$what: p2pmem.ko users" "$refcnt" "$(cat /sys/module/p2pmem/refcnt)"
		whole_provider "$shm" $((64 << 20))
	}
	sweep "nvmet namespace enable" check_enable write "$S/namespaces/1/enable" 1
	echo 1 >"$S/namespaces/1/enable" || fail "enabling the namespace after the sweep failed"
	echo 0 >"$S/namespaces/1/enable"
	rmdir "$S/namespaces/1" "$S"
	# Not modprobe -r: it would take p2pmem.ko with it.
	rmmod nvmet || fail "unloading nvmet failed"
fi

# Everything works as before, and the log holds no splat but the injected failures' warnings.
echo "$shm" >"$drv/unbind"
rebind "$shm" p2pmem_membar
whole_provider "$shm" $((64 << 20))
dmesg_since "$start_mark" | awk '
	/fail-nth: .*(alloc failure|allocation failure|vmalloc error):/ { skip = 1 }
	/WARNING: arch\/x86\/mm\/init_64.c:[0-9]+ at add_pages\+.* fail-nth\// { skip = 2 }
	!skip { print }
	skip == 1 && /<\/TASK>/ { skip = 0 }
	skip == 2 && /---\[ end trace/ { skip = 0 }' >"$dir/log"
"$(dirname "$0")/../../scripts/splat-scan" "$dir/log" >&2 || fail "kernel splat under fault injection"
dmesg -C

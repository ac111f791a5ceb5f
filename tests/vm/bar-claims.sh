# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Providers made by p2pmem itself (the memory-BAR driver, wrap) own their range in the resource
# tree: /proc/iomem shows it busy as "p2pmem" below the BAR, and it is released at teardown. A
# range some driver has requested (nvme requests every memory BAR) cannot be wrapped, not even
# with force, and a driver that binds takes the range back. A BAR that is not prefetchable
# (registers) is refused unless the request says force.
. "$(dirname "$0")/lib.sh"

C=/sys/class/p2pmem
D=/sys/bus/pci/drivers/p2pmem_membar
shm=$(fn_of 1af4:1110) cmb=$(nvme_cmb)
[ -n "$shm" ] && [ -n "$cmb" ] || fail "no ivshmem function or no CMB NVMe"
driver_of() { [ ! -e "/sys/bus/pci/devices/$1/driver" ] || basename "$(readlink -f "/sys/bus/pci/devices/$1/driver")"; }
# bar FUNCTION N: "start end flags" of BAR N, as numbers.
bar() { set -- $(sed -n "$(($2 + 1))p" "/sys/bus/pci/devices/$1/resource"); echo $(($1)) $(($2)) $(($3)); }
# owner START END: the innermost resource /proc/iomem has for exactly [START, END] (the BAR's
# owner below the BAR itself and, above it, perhaps a bridge window of the same size).
owner() {
	awk -v r="$(printf '%08x-%08x' "$1" "$2")" '{ sub(/^ +/, "") } $1 == r { sub(/^[^:]*: /, ""); print }' /proc/iomem | tail -n 1
}
IORESOURCE_PREFETCH=$((0x2000))

# The memory-BAR driver's provider: the whole of the ivshmem BAR 2.
[ "$(driver_of "$shm")" = p2pmem_membar ] || rebind "$shm" p2pmem_membar
read -r s e f <<<"$(bar "$shm" 2)"
expect_eq "$shm BAR 2 is prefetchable" $IORESOURCE_PREFETCH $((f & IORESOURCE_PREFETCH))
expect_eq "iomem owner of $shm BAR 2 (membar)" p2pmem "$(owner "$s" "$e")"
echo "$shm" >"$D/unbind" || fail "unbind of $shm failed"
expect_eq "iomem owner of $shm BAR 2 after unbind" "$shm" "$(owner "$s" "$e")"
rebind "$shm" p2pmem_membar
expect_eq "iomem owner of $shm BAR 2 after rebind" p2pmem "$(owner "$s" "$e")"

# The CMB NVMe's BAR 2 while nvme owns it: refused, even with force, and nothing changes.
[ "$(driver_of "$cmb")" = nvme ] || rebind "$cmb" nvme
read -r s e f <<<"$(bar "$cmb" 2)"
expect_eq "$cmb BAR 2 is prefetchable" $IORESOURCE_PREFETCH $((f & IORESOURCE_PREFETCH))
expect_eq "iomem owner of $cmb BAR 2 (nvme)" nvme "$(owner "$s" "$e")"
mark=$(dmesg_mark)
expect_eq "wrap of BAR 2 requested by nvme (force)" "Device or resource busy" "$(write $C/wrap "$cmb 2 force")"
[ -z "$(cat $C/wrap)" ] || { echo "$cmb" >$C/unwrap; fail "BAR 2 requested by nvme was wrapped"; }
dmesg_since "$mark" | grep -qF "$cmb: p2pmem: BAR 2 range $(printf '%#x+%#x' "$s" $((e - s + 1))) is busy (/proc/iomem); not taking it" ||
	fail "no dmesg line for the busy range"
expect_eq "iomem owner of $cmb BAR 2 after the refusal" nvme "$(owner "$s" "$e")"

# Unbound, the whole BAR and then its halves are p2pmem's, each exactly its range.
echo "$cmb" >/sys/bus/pci/drivers/nvme/unbind || fail "unbind of $cmb from nvme failed"
expect_eq "iomem owner of $cmb BAR 2, unbound" "$cmb" "$(owner "$s" "$e")"
expect_eq "wrap of the unbound BAR 2" ok "$(write $C/wrap "$cmb 2")"
expect_eq "iomem owner of the wrapped BAR 2" p2pmem "$(owner "$s" "$e")"
expect_eq unwrap ok "$(write $C/unwrap "$cmb")"
expect_eq "iomem owner of BAR 2 after unwrap" "$cmb" "$(owner "$s" "$e")"
half=$((32 << 20))
expect_eq "wrap of the second half" ok "$(write $C/wrap "$cmb 2 32M 32M")"
expect_eq "iomem owner of the second half" p2pmem "$(owner $((s + half)) "$e")"
expect_eq "iomem owner of the whole BAR with its second half wrapped" "$cmb" "$(owner "$s" "$e")"
# A driver that binds takes the BAR back: the wrap goes first, so nvme gets its regions.
rebind "$cmb" nvme
expect_eq "wraps after nvme bound" "" "$(cat $C/wrap)"
expect_eq "iomem owner of $cmb BAR 2, nvme bound again" nvme "$(owner "$s" "$e")"
[ -e "/sys/bus/pci/devices/$cmb/nvme" ] || fail "nvme did not probe $cmb"

# BAR 0 holds registers: not prefetchable, so a wrap needs force. (At 16 KiB it is then refused
# for its size, but only once force has let it past the prefetch rule.)
echo "$cmb" >/sys/bus/pci/drivers/nvme/unbind || fail "unbind of $cmb from nvme failed"
read -r s e f <<<"$(bar "$cmb" 0)"
expect_eq "$cmb BAR 0 is not prefetchable" 0 $((f & IORESOURCE_PREFETCH))
mark=$(dmesg_mark)
expect_eq "wrap of BAR 0" "Invalid argument" "$(write $C/wrap "$cmb 0")"
dmesg_since "$mark" | grep -qF "$cmb: p2pmem: BAR 0 is not prefetchable (registers?); add 'force' if it is memory" ||
	fail "no dmesg line for the non-prefetchable BAR"
mark=$(dmesg_mark)
expect_eq "wrap of BAR 0 (force)" "Invalid argument" "$(write $C/wrap "$cmb 0 force")"
dmesg_since "$mark" | grep -q "$cmb: p2pmem: BAR 0: " || fail "force did not take BAR 0 past the prefetch rule"
dmesg_since "$mark" | grep -q "not prefetchable" && fail "force did not lift the prefetch rule"
expect_eq "wraps after the BAR 0 refusals" "" "$(cat $C/wrap)"
rebind "$cmb" nvme

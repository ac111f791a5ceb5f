# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --nvmet-patched --append log_buf_len=16M
# The NVMe driver with patches/nvme-host makes the CMB of the NVMe that has one a published
# provider below its PCI function, and puts its I/O submission queues in it. The provider and the
# CMB registers (CMBLOC, CMBSZ, CMBMSC) survive a controller reset, also one after CMBMSC was
# cleared as a conventional reset would leave it, and the namespace stays readable. Unbinding the
# driver removes the provider and binding it again brings it back.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_NVME_KO:-}" ] || fail "no patched nvme.ko (vm-run --nvme-patched)"
[ -e /sys/module/p2pmem/holders/nvme ] || fail "the nvme driver loaded does not use p2pmem.ko"
cmb=$(nvme_cmb)
[ -n "$cmb" ] || fail "no NVMe with a CMB"
dev=/sys/bus/pci/devices/$cmb
drv=/sys/bus/pci/drivers/nvme
expect_eq "driver of $cmb" nvme "$(basename "$(readlink -f "$dev/driver")")"

ctrl() { basename "$(ls -d "$dev"/nvme/nvme* 2>/dev/null | head -n 1)"; }
provider() { ls -d "$dev"/p2pmem/p2pmem* 2>/dev/null | head -n 1; }
wait_live() {
	local i
	for i in $(seq 300); do
		[ "$(cat "/sys/class/nvme/$1/state" 2>/dev/null)" != live ] || return 0
		sleep 0.1
	done
	fail "$1 is not live: $(cat "/sys/class/nvme/$1/state" 2>&1)"
}

# What the controller reports, read before anything else touches it.
c=$(ctrl)
[ -n "$c" ] && [ "$c" != nvme ] || fail "no NVMe controller below $cmb"
wait_live "$c"
read -r cmbloc cmbsz lo hi <<<"$(cmb_regs "$cmb")"
echo "$c ($cmb) at load: CMBLOC $cmbloc CMBSZ $cmbsz CMBMSC $hi:$lo"
expect_eq "CMBLOC in sysfs" "$((cmbloc))" "$(cat "/sys/class/nvme/$c/cmbloc")"
expect_eq "CMBSZ in sysfs" "$((cmbsz))" "$(cat "/sys/class/nvme/$c/cmbsz")"
bar=$((cmbloc & 7))
expect_eq "CMB BAR (CMBLOC.BIR)" 2 "$bar"
expect_eq "CMB offset (CMBLOC.OFST)" 0 $((cmbloc >> 12))
expect_eq "CMB size (CMBSZ.SZ, SZU)" $((64 << 20)) $(((cmbsz >> 12) << (12 + 4 * ((cmbsz >> 8) & 15))))
expect_eq "CMBSZ.RDS and WDS" 24 $((cmbsz & 24))
set -- $(sed -n "$((bar + 1))p" "$dev/resource")
bar_start=$(($1))
expect_eq "size of BAR $bar" $((64 << 20)) $(($2 - $1 + 1))
cmbmsc_lo=$(printf '0x%x' $(((bar_start & 0xffffffff) | 3))) # CRE | CMSE | CBA
cmbmsc_hi=$(printf '0x%x' $((bar_start >> 32)))

expect_provider() { # WHEN
	p=$(provider)
	[ -n "$p" ] || fail "$1: no p2pmem provider below $cmb"
	expect_eq "$1: parent of $(basename "$p")" "$cmb" "$(basename "$(readlink -f "$p/device")")"
	expect_eq "$1: size" $((64 << 20)) "$(cat "$p/size")"
	expect_eq "$1: bar" "$bar" "$(cat "$p/bar")"
	expect_eq "$1: offset" 0 "$(cat "$p/offset")"
	expect_eq "$1: published" 1 "$(cat "$p/published")"
	expect_eq "$1: bus_offset" 0x0 "$(cat "$p/bus_offset")"
	# The driver's I/O submission queues live in the CMB (use_cmb_sqes).
	[ "$(cat "$p/allocations")" -gt 0 ] || fail "$1: no allocations from $(basename "$p") (SQes)"
}
expect_cmb_regs() { # WHEN
	local loc sz lo hi
	read -r loc sz lo hi <<<"$(cmb_regs "$cmb")"
	echo "$1: CMBLOC $loc CMBSZ $sz CMBMSC $hi:$lo"
	expect_eq "$1: CMBLOC" "$cmbloc" "$loc"
	expect_eq "$1: CMBSZ" "$cmbsz" "$sz"
	expect_eq "$1: CMBMSC" "$cmbmsc_lo" "$lo"
	expect_eq "$1: CMBMSC (high)" "$cmbmsc_hi" "$hi"
}
expect_readable() { # WHEN
	dd if="/dev/${c}n1" of=/dev/null bs=4096 count=1 iflag=direct status=none ||
		fail "$1: cannot read 4 KiB from /dev/${c}n1"
}

mark=$(dmesg_mark)
expect_provider "at load"
name=$(basename "$p")
echo "$name: size $(cat "$p/size") available $(cat "$p/available") allocations $(cat "$p/allocations")"
expect_file "/sys/class/p2pmem/$name"
dmesg | grep -q "nvme $cmb: $name: 64 MiB of BAR $bar at offset 0x0 (bus $(printf '%#x' "$bar_start"))" ||
	fail "no creation line for $name in dmesg"
expect_cmb_regs "at load"
expect_readable "at load"

echo 1 >"/sys/class/nvme/$c/reset_controller" || fail "reset of $c failed"
wait_live "$c"
expect_provider "after a reset"
expect_eq "provider after a reset" "$name" "$(basename "$p")"
expect_cmb_regs "after a reset"
expect_readable "after a reset"

# A conventional reset or D3cold clears CMBMSC; QEMU then reads CMBLOC and CMBSZ as 0. The next
# controller reset must program it again.
read -r loc sz lo hi <<<"$(cmb_regs "$cmb" clear)"
echo "CMBMSC cleared: CMBLOC $loc CMBSZ $sz CMBMSC $hi:$lo"
expect_eq "CMBSZ with CMBMSC cleared" 0x0 "$sz"
echo 1 >"/sys/class/nvme/$c/reset_controller" || fail "reset of $c failed"
wait_live "$c"
expect_provider "after a reset with CMBMSC cleared"
expect_eq "provider after a reset with CMBMSC cleared" "$name" "$(basename "$p")"
expect_cmb_regs "after a reset with CMBMSC cleared"
expect_readable "after a reset with CMBMSC cleared"

echo "$cmb" >"$drv/unbind" || fail "unbind of $cmb failed"
[ -z "$(provider)" ] || fail "provider left below $cmb after unbind"
expect_no_file "/sys/class/p2pmem/$name"
echo "$cmb" >"$drv/bind" || fail "bind of $cmb failed"
c=$(ctrl)
wait_live "$c"
expect_provider "after a rebind"
expect_cmb_regs "after a rebind"
expect_readable "after a rebind"

bad=$(dmesg_since "$mark" | grep -E "CMB changed|failed to register the CMB|not aligned") &&
	fail "unexpected CMB messages: $bad"
true

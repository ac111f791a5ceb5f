# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# An NVMe controller bound to the memory-BAR driver (driver_override) serves its CMB directly:
# the driver enables it with CMBMSC (the in-tree nvme driver left it disabled) and provides the
# range CMBLOC and CMBSZ describe. Then the function goes back to nvme.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb)
dev=/sys/bus/pci/devices/$cmb
old=$(basename "$(readlink -f "$dev/driver")")
echo "$cmb" >"$dev/driver/unbind" || fail "unbind from $old failed"
read -r loc sz lo hi <<<"$(cmb_regs "$cmb" clear)"
expect_eq "CMBLOC and CMBSZ with CMBMSC cleared" "0x0 0x0" "$loc $sz"

echo p2pmem_membar >"$dev/driver_override"
echo "$cmb" >/sys/bus/pci/drivers_probe
expect_eq "driver" p2pmem_membar "$(basename "$(readlink -f "$dev/driver")")"
set -- $(sed -n 3p "$dev/resource")
read -r loc sz lo hi <<<"$(cmb_regs "$cmb")"
expect_eq "CMBLOC (BAR 2, offset 0)" 0x62 "$loc"
expect_eq "CMBSZ (64 MiB, RDS, WDS)" 0x4021d "$sz"
expect_eq "CMBMSC (CBA = BAR 2, CRE, CMSE)" "$(printf '0x%x 0x%x' $(($1 & 0xffffffff | 3)) $(($1 >> 32)))" \
	"$lo $hi"
p=$(provider_dir "$cmb")
[ -n "$p" ] || fail "no provider below $cmb"
expect_eq size $((64 << 20)) "$(cat "$p/size")"
expect_eq bar 2 "$(cat "$p/bar")"
expect_eq offset 0 "$(cat "$p/offset")"
expect_eq published 1 "$(cat "$p/published")"

echo "$cmb" >"$dev/driver/unbind" || fail "unbind from p2pmem_membar failed"
expect_no_file "$p"
echo >"$dev/driver_override"
rebind "$cmb" "$old"

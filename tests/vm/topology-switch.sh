# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The default VM topology: NVMe with CMB, NVMe, ivshmem and edu below one switch.
. "$(dirname "$0")/lib.sh"

expect_eq "NVMe controllers (1b36:0010)" 2 "$(count_id 1b36:0010)"
expect_eq "ivshmem-plain (1af4:1110)" 1 "$(count_id 1af4:1110)"
expect_eq "edu (1234:11e8)" 1 "$(count_id 1234:11e8)"
expect_eq "switch upstream ports (104c:8232)" 1 "$(count_id 104c:8232)"
expect_eq "switch downstream ports (104c:8233)" 4 "$(count_id 104c:8233)"

up=$(pci_ids | awk '$1 == "104c:8232" { print $2 }')
# Every endpoint sits on a downstream port whose upstream bridge is the switch's upstream port.
for id in 1b36:0010 1af4:1110 1234:11e8; do
	for f in $(pci_ids | awk -v id=$id '$1 == id { print $2 }'); do
		dp=$(upstream_of "$f")
		expect_eq "upstream port above $f ($id)" "$up" "$(upstream_of "$dp")"
	done
done

# The CMB NVMe exposes a 64 MiB BAR2 (the CMB); the other NVMe has no BAR2.
cmb=0
for f in $(pci_ids | awk '$1 == "1b36:0010" { print $2 }'); do
	bar2=$(sed -n 3p "/sys/bus/pci/devices/$f/resource")
	set -- $bar2
	if [ "$2" != 0x0000000000000000 ]; then
		expect_eq "CMB BAR2 size of $f" $((64 << 20)) $(($2 - $1 + 1))
		cmb=$((cmb + 1))
	fi
done
expect_eq "NVMe controllers with a CMB" 1 "$cmb"

# ivshmem's BAR2 is its 64 MiB memory backend.
f=$(pci_ids | awk '$1 == "1af4:1110" { print $2 }')
set -- $(sed -n 3p "/sys/bus/pci/devices/$f/resource")
expect_eq "ivshmem BAR2 size" $((64 << 20)) $(($2 - $1 + 1))

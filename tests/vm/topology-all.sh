# SPDX-License-Identifier: GPL-2.0
# topology: all
# The `all` topology holds the four others: switch, root ports, host bridges and ACS ports.
. "$(dirname "$0")/lib.sh"

expect_eq "NVMe controllers" 8 "$(count_id 1b36:0010)"
expect_eq "pcie-root-port devices (1b36:000c)" 6 "$(count_id 1b36:000c)"
expect_eq "switch upstream ports" 2 "$(count_id 104c:8232)"
expect_eq "ivshmem-plain" 1 "$(count_id 1af4:1110)"
expect_eq "edu" 1 "$(count_id 1234:11e8)"

# The pxb-pcie host bridge makes a second PCI root bus, 0000:40.
expect_file /sys/class/pci_bus/0000:40
roots=$(ls -d /sys/devices/pci0000:* | wc -l)
expect_eq "PCI root buses" 2 "$roots"

# The ACS ports: both root ports below the second switch carry an ACS capability.
acs=0
for f in $(pci_ids | awk '$1 == "1b36:000c" { print $2 }'); do
	if lspci -s "$f" -vvv 2>/dev/null | grep -q 'Access Control Services'; then
		acs=$((acs + 1))
	fi
done
[ "$acs" -ge 2 ] || fail "expected ACS capabilities on the ACS switch's ports, found $acs"

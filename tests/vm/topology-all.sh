# SPDX-License-Identifier: GPL-2.0
# vm: --topology all
# The `all` topology holds the four others: switch, root ports, host bridges and ACS ports.
. "$(dirname "$0")/lib.sh"

expect_eq "NVMe controllers" 8 "$(count_id 1b36:0010)"
# rp1 (switch), rp2+rp3 (rootports), rp7+rp4 (hostbridges), rp20+dsacs1+dsacs2 (acs).
expect_eq "pcie-root-port devices (1b36:000c)" 8 "$(count_id 1b36:000c)"
expect_eq "switch upstream ports" 2 "$(count_id 104c:8232)"
expect_eq "xio3130 downstream ports" 4 "$(count_id 104c:8233)"
expect_eq "ivshmem-plain" 1 "$(count_id 1af4:1110)"
expect_eq "edu" 1 "$(count_id 1234:11e8)"

# hostbridges: the pxb-pcie host bridge makes a second PCI root bus, 0000:40, with one root port
# and an NVMe below it.
expect_file /sys/class/pci_bus/0000:40
expect_eq "PCI root buses" 2 "$(ls -d /sys/devices/pci0000:* | wc -l)"
expect_eq "NVMe below root bus 0x40" 1 \
	"$(pci_ids | awk '$1 == "1b36:0010" && $2 ~ /^0000:41:/' | wc -l)"

# acs: two pcie-root-ports below a switch upstream port, each with an ACS capability and an
# NVMe below it.
acs_ports=0
for f in $(pci_ids | awk '$1 == "1b36:000c" { print $2 }'); do
	up=$(upstream_of "$f")
	case $up in pci0000:*) continue ;; esac
	[ "$(sed 's/^0x//' "/sys/bus/pci/devices/$up/device")" = 8232 ] || continue
	lspci -s "$f" -vvv 2>/dev/null | grep -q 'Access Control Services' ||
		fail "ACS port $f has no ACS capability"
	ls "/sys/bus/pci/devices/$f/" | grep -q '^0000:' || fail "nothing below ACS port $f"
	acs_ports=$((acs_ports + 1))
done
expect_eq "ACS-capable ports below a switch" 2 "$acs_ports"

# rootports: two root ports on root bus 0 that are functions of one slot, each with an NVMe.
mf=$(pci_ids | awk '$1 == "1b36:000c" && $2 ~ /^0000:00:11\.[01]$/' | wc -l)
expect_eq "root ports at 00:11.0 and 00:11.1" 2 "$mf"

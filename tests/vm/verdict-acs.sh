# SPDX-License-Identifier: GPL-2.0
# vm: --topology acs
# ACS-capable downstream ports: BUS_ADDR while ACS control is 0; with P2P Request Redirect set
# (setpci), the path goes through q35's host bridge, which is not allowed; cleared, BUS_ADDR again.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain)
port=$(upstream_of "$plain")
expect_verdict "$cmb" "$plain" BUS_ADDR 4

# ACS capability at 0x148 on pcie-root-port, control register at +6; RR is bit 2.
setpci -s "$port" 0x14e.w=0x0004:0x0004 || fail "setpci failed"
echo 1 >/sys/class/p2pmem/flush  # setpci sends no notification
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4
expect_eq "reason" "ACS P2P Request Redirect set on $port; host bridge 8086:29c0 is not \
allowed; boot with pci=disable_acs_redir=$port to allow P2P" "$(verdict_of "$cmb" "$plain" reason)"
expect_eq "cached map_type" NOT_SUPPORTED "$(verdict_of "$cmb" "$plain" cached_map_type)"

setpci -s "$port" 0x14e.w=0x0000:0x0004 || fail "setpci failed"
echo 1 >/sys/class/p2pmem/flush
expect_verdict "$cmb" "$plain" BUS_ADDR 4
expect_eq "cached map_type" BUS_ADDR "$(verdict_of "$cmb" "$plain" cached_map_type)"

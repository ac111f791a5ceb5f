# SPDX-License-Identifier: GPL-2.0
# vm: --topology acs --cpu EPYC
# With ACS redirect on the path and an AMD Zen vCPU, traffic goes through the host bridge.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain)
port=$(upstream_of "$cmb")
setpci -s "$port" 0x14e.w=0x000c:0x000c || fail "setpci failed"
echo 1 >/sys/class/p2pmem/flush  # setpci sends no notification
expect_verdict "$cmb" "$plain" THRU_HOST_BRIDGE 4
expect_eq "reason" "ACS P2P Request Redirect and P2P Completion Redirect set on $port; through \
the host bridge: the AMD CPU (family 0x17, Zen or newer) routes P2P through its host bridges" \
	"$(verdict_of "$cmb" "$plain" reason)"
setpci -s "$port" 0x14e.w=0x0000:0x000c
echo 1 >/sys/class/p2pmem/flush

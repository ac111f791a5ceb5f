# SPDX-License-Identifier: GPL-2.0
# vm: --topology rootports --cpu EPYC
# With an AMD Zen vCPU (EPYC, family 0x17) traffic through the host bridge is allowed.
. "$(dirname "$0")/lib.sh"

expect_eq "cpu family" 23 "$(awk -F': ' '/^cpu family/ { print $2; exit }' /proc/cpuinfo)"
cmb=$(nvme_cmb) plain=$(nvme_plain)
expect_verdict "$cmb" "$plain" THRU_HOST_BRIDGE 4
expect_eq "reason" "no common upstream bridge; the AMD CPU (family 0x17, Zen or newer) routes \
P2P through its host bridges" "$(verdict_of "$cmb" "$plain" reason)"

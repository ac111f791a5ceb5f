# SPDX-License-Identifier: GPL-2.0
# vm: --topology rootports --test-modules
# Two root ports of q35's host bridge (8086:29c0, not allowed) and a non-Zen vCPU (qemu64).
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain)
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4
reason=$(verdict_of "$cmb" "$plain" reason)
expect_eq "reason" "no common upstream bridge and host bridge 8086:29c0 is not allowed; if it \
routes P2P, allow it: echo 8086:29c0 > /sys/class/p2pmem/host_bridge_allow" "$reason"

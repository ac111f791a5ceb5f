# SPDX-License-Identifier: GPL-2.0
# vm: --topology hostbridges --nvmet-patched
# NVMe on q35's pcie.0 and NVMe behind a pxb-pcie host bridge: different host bridges.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain)
case $plain in 0000:41:*) ;; *) fail "expected the plain NVMe below root bus 0x40, got $plain" ;; esac
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4
expect_eq "reason" "no common upstream bridge and host bridge 8086:29c0 is not allowed; if it \
routes P2P, allow it: echo 8086:29c0 > /sys/class/p2pmem/host_bridge_allow" \
	"$(verdict_of "$cmb" "$plain" reason)"
# From the pxb side, its own host bridge (its first root port, 1b36:000c) is checked first.
case $(verdict_of "$plain" "$cmb" reason) in
*"host bridge 1b36:000c is not allowed"*) ;;
*) fail "pxb host bridge not identified by its root port: $(verdict_of "$plain" "$cmb" reason)" ;;
esac

# Across two host bridges both must be allowed: q35's 8086:29c0 and the pxb's root port.
echo 8086:29c0 >/sys/class/p2pmem/host_bridge_allow
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4
echo 1b36:000c >/sys/class/p2pmem/host_bridge_allow
expect_verdict "$cmb" "$plain" THRU_HOST_BRIDGE 4
expect_eq "reason" "no common upstream bridge; host bridges 8086:29c0 and 1b36:000c are both \
allowed" "$(verdict_of "$cmb" "$plain" reason)"
echo -8086:29c0,-1b36:000c >/sys/class/p2pmem/host_bridge_allow
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4

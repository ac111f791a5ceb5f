# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# The vCPU model is pinned (P2P verdicts depend on vendor and family): qemu64 by default.
. "$(dirname "$0")/lib.sh"

expect_eq "vendor" AuthenticAMD "$(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)"
expect_eq "family" 15 "$(awk -F': ' '/^cpu family/ { print $2; exit }' /proc/cpuinfo)"
model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
case $model in
QEMU\ Virtual\ CPU*) ;;
*) fail "model name: expected QEMU Virtual CPU, got '$model'" ;;
esac

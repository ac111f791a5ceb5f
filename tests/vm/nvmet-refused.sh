# SPDX-License-Identifier: GPL-2.0
# vm: --topology hostbridges --nvmet-patched
# A namespace whose block device cannot reach the p2pmem is refused, never silently served from
# system memory: the NVMe below the pxb host bridge (bus 0x41) and the CMB of the NVMe on pcie.0
# (wrapped as a provider) have no P2P path on q35. Enabling the namespace with p2pmem naming the
# CMB fails, as does enabling it while its subsystem is linked to a port with param_allow_p2pmem=1,
# and linking its subsystem to such a port; each time the log says why. Without p2pmem the same
# namespace works.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain)
backing=$(nvme_ns "$plain")
[ -b "$backing" ] || fail "no namespace on $plain"
echo "$cmb" >/sys/bus/pci/drivers/nvme/unbind || fail "unbinding $cmb failed"
echo "$cmb 2" >/sys/class/p2pmem/wrap || fail "wrapping the CMB of $cmb failed"
expect_eq "published" 1 "$(provider_stat "$cmb" published)"
S=$NVMET/subsystems/$NVMET_NQN
ns=$S/namespaces/1

modprobe nvmet-tcp || fail "modprobe nvmet-tcp failed"
mkdir "$S" "$ns" && echo 1 >"$S/attr_allow_any_host" || fail "creating $NVMET_NQN failed"
echo "$backing" >"$ns/device_path"

# The namespace names the CMB.
mark=$(dmesg_mark)
echo "$cmb" >"$ns/p2pmem" || fail "p2pmem=$cmb refused"
expect_eq "enable with p2pmem=$cmb" "Invalid argument" "$(write "$ns/enable" 1)"
expect_eq "enable after the refusal" 0 "$(cat "$ns/enable")"
log=$(dmesg_since "$mark")
grep -q "P2P is not possible: no common upstream bridge" <<<"$log" ||
	fail "no reason logged: $log"
grep -q "nsid 1: $backing cannot use p2pmem, the namespace stays disabled" <<<"$log" ||
	fail "no refusal logged: $log"

# The namespace asks for nothing; the port allows p2pmem.
echo 0 >"$ns/p2pmem"
echo 1 >"$ns/enable" || fail "enabling without p2pmem failed"
nvmet_port 1
mark=$(dmesg_mark)
ln -s "$S" "$NVMET_PORT/subsystems/$NVMET_NQN" 2>/dev/null &&
	fail "a subsystem with a namespace that cannot use p2pmem was linked to the port"
expect_no_file "$NVMET_PORT/subsystems/$NVMET_NQN"
log=$(dmesg_since "$mark")
grep -q "no published provider can be reached by ${backing#/dev/}" <<<"$log" ||
	fail "no reason logged for the link: $log"
grep -q "nsid 1: $backing cannot use p2pmem, its subsystem is not linked to the port" <<<"$log" ||
	fail "no refusal logged for the link: $log"

# Linked first, then enabled.
echo 0 >"$ns/enable"
ln -s "$S" "$NVMET_PORT/subsystems/$NVMET_NQN" || fail "linking with the namespace disabled failed"
expect_eq "enable on a p2pmem port" "Invalid argument" "$(write "$ns/enable" 1)"
expect_eq "enable after the refusal" 0 "$(cat "$ns/enable")"

# Without p2pmem on the port, the same namespace serves I/O.
rm "$NVMET_PORT/subsystems/$NVMET_NQN"
echo 0 >"$NVMET_PORT/param_allow_p2pmem"
ln -s "$S" "$NVMET_PORT/subsystems/$NVMET_NQN" || fail "linking to a port without p2pmem failed"
echo 1 >"$ns/enable" || fail "enabling without p2pmem failed"
dev=$(nvmet_connect) || exit 1
dd if=/dev/urandom of=/tmp/nvmet-data bs=64k count=16 status=none
dd if=/tmp/nvmet-data of="$dev" bs=64k oflag=direct status=none || fail "write through $dev failed"
cmp <(dd if="$dev" bs=64k count=16 iflag=direct status=none) /tmp/nvmet-data ||
	fail "data read back through $dev differs"
expect_eq "allocations of the CMB" 0 "$(provider_stat "$cmb" allocations)"
nvmet_disconnect
nvmet_teardown
echo "$cmb" >/sys/class/p2pmem/unwrap || fail "unwrap failed"
rebind "$cmb" nvme

# SPDX-License-Identifier: GPL-2.0
# vm: --topology rootports --test-modules
# The runtime host-bridge allowlist: /sys/class/p2pmem/host_bridge_allow and host_bridge_allow=.
. "$(dirname "$0")/lib.sh"

ALLOW=/sys/class/p2pmem/host_bridge_allow
cmb=$(nvme_cmb) plain=$(nvme_plain)

expect_eq "mode of $ALLOW" 644 "$(stat -c %a "$ALLOW")"
grep -qx '8086:3c00 builtin same-host-bridge' "$ALLOW" || fail "built-in entries not listed"
grep -qx '1ae0:\* builtin' "$ALLOW" || fail "vendor-wide built-in entry not listed"
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4

echo 8086:29c0 >"$ALLOW" || fail "adding 8086:29c0 failed"
expect_eq "first line" 8086:29c0 "$(head -n 1 "$ALLOW")"
expect_verdict "$cmb" "$plain" THRU_HOST_BRIDGE 4
expect_eq "reason" "no common upstream bridge; host bridge 8086:29c0 is allowed" \
	"$(verdict_of "$cmb" "$plain" reason)"
echo 8086:29c0 >"$ALLOW" || fail "adding an entry twice failed"
expect_eq "runtime entries after a repeated add" 1 "$(grep -vc builtin "$ALLOW")"

echo -8086:29c0 >"$ALLOW" || fail "removing 8086:29c0 failed"
expect_verdict "$cmb" "$plain" NOT_SUPPORTED 4

# Bad writes change nothing and say why.
before=$(cat "$ALLOW")
for bad in nonsense 8086 8086:29c0:1 0000:0000 "8086:29c0 zz"; do
	err=$( (echo "$bad" >"$ALLOW") 2>&1) && fail "'$bad' accepted"
	case $err in *"Invalid argument"*) ;; *) fail "'$bad': expected EINVAL, got '$err'" ;; esac
done
err=$( (echo -1234:5678 >"$ALLOW") 2>&1) && fail "removing an absent entry accepted"
case $err in *"No such file"*) ;; *) fail "absent entry: expected ENOENT, got '$err'" ;; esac
many=$(for i in $(seq 1 33); do printf '1234:%04x,' "$i"; done)
err=$( (echo "$many" >"$ALLOW") 2>&1) && fail "33 entries accepted"
case $err in *"No space"*) ;; *) fail "33 entries: expected ENOSPC, got '$err'" ;; esac
expect_eq "list after refused writes" "$before" "$(cat "$ALLOW")"
dmesg | grep -q "host_bridge_allow: 'nonsense' is not vvvv:dddd" || fail "no dmesg line for bad input"

# A loop of bad writes is no flood: each place that refuses logs at most 10 lines in 5 s.
sleep 5
msg="flush: write 1 to forget the cached P2P verdicts"
n0=$(dmesg | grep -c "$msg")
for i in $(seq 1 30); do (echo 0 >/sys/class/p2pmem/flush) 2>/dev/null && fail "flush 0 accepted"; done
n=$(($(dmesg | grep -c "$msg") - n0))
[ "$n" -ge 1 ] && [ "$n" -le 10 ] || fail "30 refused writes to flush logged $n lines, expected 1 to 10"

# 32 entries fit, and go away again.
echo "${many%1234:0021,}" >"$ALLOW" || fail "32 entries refused"
expect_eq "runtime entries" 32 "$(grep -vc builtin "$ALLOW")"
echo "$(for i in $(seq 1 32); do printf -- '-1234:%04x ' "$i"; done)" >"$ALLOW" ||
	fail "removing 32 entries failed"
expect_eq "runtime entries" 0 "$(grep -vc builtin "$ALLOW")"

# Unprivileged users can read the list but not change it.
if command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups cat "$ALLOW" >/dev/null ||
		fail "nobody cannot read $ALLOW"
	setpriv --reuid 65534 --regid 65534 --clear-groups sh -c "echo 8086:29c0 > $ALLOW" \
		2>/dev/null && fail "nobody could write $ALLOW"
fi

# The module parameter.
rmmod p2pmem || fail "rmmod failed"
insmod "$P2PMEM_KO" host_bridge_allow=8086:29c0,1234:5678 || fail "insmod with parameter failed"
expect_eq "runtime entries from the parameter" "8086:29c0
1234:5678" "$(grep -v builtin "$ALLOW")"
expect_verdict "$cmb" "$plain" THRU_HOST_BRIDGE 4
rmmod p2pmem || fail "rmmod failed"
insmod "$P2PMEM_KO" host_bridge_allow=8086:29c0,bogus 2>/dev/null &&
	fail "insmod with a bad parameter succeeded"
dmesg | grep -q "bad host_bridge_allow= parameter" || fail "no dmesg line for the bad parameter"
expect_no_file /sys/class/p2pmem
insmod "$P2PMEM_KO" || fail "plain insmod failed"
expect_eq "runtime entries after reload" 0 "$(grep -vc builtin "$ALLOW")"

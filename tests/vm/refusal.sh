# SPDX-License-Identifier: GPL-2.0
# vm: --topology rootports --test-modules
# In-kernel users of a provider that a client cannot reach: distance_many says -1 and logs,
# rate-limited, the deciding host bridge and the fix; find_many finds nothing. Once the host
# bridge is allowed, both succeed through it.
. "$(dirname "$0")/lib.sh"

[ -n "${P2PMEM_CONSUMER_KO:-}" ] || fail "no consumer module (vm-run --test-modules builds it)"
cmb=$(nvme_cmb) plain=$(nvme_plain)
if [ -e "/sys/bus/pci/devices/$cmb/driver" ]; then
	echo "$cmb" >"/sys/bus/pci/devices/$cmb/driver/unbind" || fail "unbind $cmb failed"
fi
echo "$cmb 2" >/sys/class/p2pmem/wrap || fail "wrap $cmb failed"

mark=$(dmesg_mark)
insmod "$P2PMEM_CONSUMER_KO" provider="$cmb" clients="$plain" expect_distance=-1 \
	expect_find=none repeat=40 ||
	{ dmesg_since "$mark" | grep p2pmem >&2; fail "the consumer's checks failed (not allowed)"; }
rmmod p2pmem_consumer
line="nvme $plain: p2pmem: cannot use the memory of $cmb: no common upstream bridge and host \
bridge 8086:29c0 is not allowed; if it routes P2P, allow it: echo 8086:29c0 > \
/sys/class/p2pmem/host_bridge_allow"
n=$(dmesg_since "$mark" | grep -cF "$line" || true)
# 40 refusals, at most 10 lines per 5 s.
[ "$n" -ge 1 ] && [ "$n" -le 10 ] || fail "$n refusal lines (want 1..10): $(dmesg_since "$mark")"

echo 8086:29c0 >/sys/class/p2pmem/host_bridge_allow || fail "allow failed"
d=$(verdict_of "$cmb" "$plain" distance)
mark=$(dmesg_mark)
insmod "$P2PMEM_CONSUMER_KO" provider="$cmb" clients="$plain" expect_distance="$d" ||
	{ dmesg_since "$mark" | grep p2pmem >&2; fail "the consumer's checks failed (allowed)"; }
rmmod p2pmem_consumer
dmesg_since "$mark" | grep -q "cannot use the memory" && fail "a refusal was logged once allowed"
echo -8086:29c0 >/sys/class/p2pmem/host_bridge_allow
echo "$cmb" >/sys/class/p2pmem/unwrap || fail "unwrap failed"

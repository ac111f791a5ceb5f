# SPDX-License-Identifier: GPL-2.0
# vm: --topology acs
# The verdict cache: queries fill it; an ACS change made with setpci sends no notification, so
# the cached verdict stays stale until /sys/class/p2pmem/flush; host-bridge allowlist changes
# and hot remove/add empty it.
. "$(dirname "$0")/lib.sh"

CACHE=/sys/kernel/debug/p2pmem/cache FLUSH=/sys/class/p2pmem/flush
cmb=$(nvme_cmb) plain=$(nvme_plain)
port=$(upstream_of "$plain")
entries() { grep -vc '^generation=' "$CACHE" || true; }
generation() { sed -n 's/^generation=//p' "$CACHE"; }

expect_eq "mode of flush" 200 "$(stat -c %a "$FLUSH")"
expect_eq "flush 0" "Invalid argument" "$(write "$FLUSH" 0)"
echo 1 >"$FLUSH" || fail "flush failed"
gen=$(generation)
expect_eq "entries after a flush" 0 "$(entries)"
expect_eq "cached before any query" none "$(verdict_of "$cmb" "$plain" cached_map_type)"
expect_eq "cached after a query" BUS_ADDR "$(verdict_of "$cmb" "$plain" cached_map_type)"
grep -qx "$cmb $plain BUS_ADDR 4" "$CACHE" || fail "no cache line for $cmb $plain: $(cat "$CACHE")"

# Setting ACS P2P Request Redirect: the query is fresh, the cache is stale until flushed.
setpci -s "$port" 0x14e.w=0x0004:0x0004 || fail "setpci failed"
out=$(verdict "$cmb" "$plain")
expect_eq "fresh map_type after setpci" NOT_SUPPORTED "$(sed -n 's/^map_type=//p' <<<"$out")"
expect_eq "cached map_type after setpci" BUS_ADDR "$(sed -n 's/^cached_map_type=//p' <<<"$out")"
echo 1 >"$FLUSH" || fail "flush failed"
expect_eq "generation after a flush" $((gen + 1)) "$(generation)"
expect_eq "cached after the flush" none "$(verdict_of "$cmb" "$plain" cached_map_type)"
expect_eq "cached after the next query" NOT_SUPPORTED "$(verdict_of "$cmb" "$plain" cached_map_type)"
setpci -s "$port" 0x14e.w=0x0000:0x0004 || fail "setpci failed"
echo 1 >"$FLUSH" || fail "flush failed"
expect_eq "cached after clearing ACS and flushing" none "$(verdict_of "$cmb" "$plain" cached_map_type)"
expect_eq "cached again" BUS_ADDR "$(verdict_of "$cmb" "$plain" cached_map_type)"

# A host-bridge allowlist change empties the cache.
[ "$(entries)" -gt 0 ] || fail "cache empty before the allowlist change"
echo 8086:29c0 >/sys/class/p2pmem/host_bridge_allow || fail "allow failed"
expect_eq "entries after allowing a host bridge" 0 "$(entries)"
echo -8086:29c0 >/sys/class/p2pmem/host_bridge_allow || fail "disallow failed"

# Hot remove and add (rescan) empty it too.
verdict "$cmb" "$plain" >/dev/null
[ "$(entries)" -gt 0 ] || fail "cache empty before the removal"
echo 1 >"/sys/bus/pci/devices/$plain/remove" || fail "remove failed"
expect_eq "entries after removing $plain" 0 "$(entries)"
verdict "$cmb" "$port" >/dev/null
[ "$(entries)" -gt 0 ] || fail "cache empty before the rescan"
echo 1 >/sys/bus/pci/rescan || fail "rescan failed"
expect_file "/sys/bus/pci/devices/$plain"
expect_eq "entries after adding $plain back" 0 "$(entries)"
expect_verdict "$cmb" "$plain" BUS_ADDR 4

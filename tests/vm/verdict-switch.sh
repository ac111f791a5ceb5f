# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Verdicts below one switch: every pair is BUS_ADDR at distance 4, a function to itself 0.
. "$(dirname "$0")/lib.sh"

cmb=$(nvme_cmb) plain=$(nvme_plain) shm=$(fn_of 1af4:1110) edu=$(fn_of 1234:11e8)
up=$(fn_of 104c:8232)
for f in "$cmb" "$plain" "$shm" "$edu"; do [ -n "$f" ] || fail "switch topology incomplete"; done

expect_verdict "$cmb" "$plain" BUS_ADDR 4
expect_verdict "$shm" "$edu" BUS_ADDR 4
expect_verdict "$cmb" "$edu" BUS_ADDR 4
expect_verdict "$shm" "$shm" BUS_ADDR 0
expect_eq "reason" "common upstream bridge $up, no ACS redirect on the path" \
	"$(verdict_of "$cmb" "$plain" reason)"
# The downstream port above the CMB NVMe and the NVMe: one hop.
expect_verdict "$(upstream_of "$cmb")" "$cmb" BUS_ADDR 1

# Bad queries are refused with the right errno and leave the last answer alone.
before=$(cat "$QUERY")
echo "0000:7f:00.0 $cmb" >"$QUERY" 2>/dev/null && fail "query of a missing device accepted"
echo "$cmb" >"$QUERY" 2>/dev/null && fail "query with one address accepted"
echo "$cmb $plain extra" >"$QUERY" 2>/dev/null && fail "query with three words accepted"
echo "$cmb 0000:03:20.0" >"$QUERY" 2>/dev/null && fail "query with a bad device number accepted"
errno=$( (echo "0000:7f:00.0 $cmb" >"$QUERY") 2>&1)
case $errno in *"No such device"*) ;; *) fail "missing device: expected ENODEV, got '$errno'" ;; esac
errno=$( (echo "garbage" >"$QUERY") 2>&1)
case $errno in *"Invalid argument"*) ;; *) fail "garbage: expected EINVAL, got '$errno'" ;; esac
expect_eq "answer after refused queries" "$before" "$(cat "$QUERY")"

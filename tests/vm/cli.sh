# SPDX-License-Identifier: GPL-2.0
# vm: --topology all
# The p2pmem command (tools/p2pmem) against the live module, in the topology with every kind of
# path: for every ordered pair of endpoints, `check` through the module's query file and
# `check --compute` from sysfs and config space agree on map type, distance, reason, cause,
# host-bridge decision and fix, and the exit status says whether P2P is possible. They still
# agree after ACS redirect is set on a port and after a host bridge is allowed through the CLI.
# `matrix` has every endpoint and no bridge, and each cell is what `check` says; `flush` empties
# the verdict cache and bumps its generation, and `cache` shows a pair once a query filled it.
# `list` and `topo` show what sysfs has (drivers, `--below` a bridge); `holders` lists a process
# while it maps /dev/p2pmemN; `wrappable` refuses the CMB while nvme has it and offers it
# unbound; `wrap`/`unwrap` work, and their refusals come with the module's log line; a user who
# cannot read config space gets "cannot decide" (2).
. "$(dirname "$0")/lib.sh"

cli=$VM_REPO/target/debug/p2pmem
[ -x "$cli" ] || fail "no $cli (cargo build -p p2pmem-cli)"

# Endpoints off bus 00 (bridges excluded).
eps=()
for d in /sys/bus/pci/devices/*; do
	f=${d##*/}
	case $f in 0000:00:*) continue ;; esac
	case $(cat "$d/class") in 0x0604*) continue ;; esac
	eps+=("$f")
done
[ ${#eps[@]} -ge 8 ] || fail "only ${#eps[@]} endpoints"

# agree_all WHAT: for each endpoint as provider, `check` with every endpoint as client, through
# the module and computed; the clients' verdicts and the exit statuses must be the same.
agree_all() {
	python3 - "$cli" "$1" "${eps[@]}" <<-'PY' || fail "check and check --compute disagree ($1)"
	import json, subprocess, sys
	cli, what, eps = sys.argv[1], sys.argv[2], sys.argv[3:]
	def run(*args):
	    r = subprocess.run([cli, "check", "--json", *args], capture_output=True, text=True)
	    if r.returncode == 2:
	        sys.exit(f"{' '.join(args)}: exit 2: {r.stderr}")
	    return r.returncode, json.loads(r.stdout)
	n = 0
	for p in eps:
	    rm, m = run(p, *eps)
	    rx, x = run("--compute", p, *eps)
	    assert m["source"] == "module" and x["source"] == "computed", (m["source"], x["source"])
	    key = lambda c: (c["client"], c["map_type"], c["distance"], c["reason"],
	                     c["cause"], c["host_bridge"], c["fix"])
	    for a, b in zip(m["clients"], x["clients"]):
	        if key(a) != key(b):
	            sys.exit(f"provider {p}: module {key(a)} != computed {key(b)}")
	    possible = all(c["map_type"] != "NOT_SUPPORTED" for c in m["clients"])
	    assert rm == rx == (0 if possible else 1), (p, rm, rx, possible)
	    assert m["total_distance"] == x["total_distance"], (p, m["total_distance"], x["total_distance"])
	    n += len(eps)
	print(f"cli: {n} pairs agree ({what})")
	PY
}
agree_all "as booted"

# matrix: every endpoint, no bridge; each cell is what check says for the pair; --providers
# keeps the rows of the functions that have a provider.
"$cli" matrix --json >/tmp/matrix.json || fail "matrix failed"
"$cli" matrix --providers --json >/tmp/matrix-providers.json || fail "matrix --providers failed"
python3 - "$cli" /tmp/matrix.json /tmp/matrix-providers.json "${eps[@]}" <<-'PY' || fail "matrix disagrees"
	import json, os, subprocess, sys
	cli, path, ppath, eps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
	m = json.load(open(path))
	cols = m["clients"]
	for c in cols:
	    cls = open(f"/sys/bus/pci/devices/{c}/class").read()
	    assert not cls.startswith("0x06"), f"bridge {c} in the matrix"
	assert set(eps) <= set(cols), (eps, cols)
	rows = {r["provider"]: r for r in m["rows"]}
	assert set(rows) == set(cols), "rows and columns differ"
	for p in eps:
	    x = json.loads(subprocess.run([cli, "check", "--json", p, *cols],
	                                  capture_output=True, text=True).stdout)
	    key = lambda c: (c["client"], c["map_type"], c["distance"])
	    got = [key(c) for c in rows[p]["clients"]]
	    want = [key(c) for c in x["clients"]]
	    assert got == want, (p, got, want)
	    assert rows[p]["total_distance"] == x["total_distance"]
	pm = json.load(open(ppath))
	funcs = sorted({os.path.basename(os.path.realpath(f"/sys/class/p2pmem/{n}/device"))
	                for n in os.listdir("/sys/class/p2pmem") if n.startswith("p2pmem")})
	assert [r["provider"] for r in pm["rows"]] == funcs, ([r["provider"] for r in pm["rows"]], funcs)
	print(f"matrix: {len(cols)} endpoints, {len(funcs)} provider functions, agrees with check")
	PY
"$cli" matrix | grep -q '^PROVIDER' || fail "matrix prints no table"

# flush empties the cache and bumps its generation; a query fills it again (cache shows it).
gen() { "$cli" cache --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'; }
g=$(gen) || fail "cache failed"
"$cli" flush | grep -q '^verdict cache flushed' || fail "flush failed"
expect_eq "generation after flush" $((g + 1)) "$(gen)"
expect_eq "entries after flush" 0 "$("$cli" cache --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')"
"$cli" check "${eps[0]}" "${eps[1]}" >/dev/null
"$cli" cache | grep -q "^${eps[0]}  ${eps[1]}  " || fail "the queried pair is not cached: $("$cli" cache)"

# ACS Request Redirect on one downstream port of the ACS switch, then allowing the q35 host
# bridge through the CLI: both sides see the change (the query file reads ACS now).
a=0000:0b:00.0 b=0000:0c:00.0
port=$(upstream_of "$a")
[ -n "$(setpci -s "$port" ECAP_ACS+4.w 2>/dev/null)" ] || fail "$port above $a has no ACS"
expect_eq "verdict $a -> $b as booted" BUS_ADDR "$(verdict_of "$a" "$b" map_type)"
setpci -s "$port" ECAP_ACS+6.w=0x0004 || fail "setting RR on $port failed"
"$cli" allow-host-bridge 8086:29c0 || fail "allow-host-bridge failed"
"$cli" allow-host-bridge --list --json | grep -q '"8086:29c0"' || fail "the entry is not listed"
agree_all "RR on $port, 8086:29c0 allowed"
expect_eq "verdict $a -> $b with RR and the host bridge allowed" THRU_HOST_BRIDGE \
	"$("$cli" check --json "$a" "$b" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clients"][0]["map_type"])')"
"$cli" allow-host-bridge --remove 8086:29c0 || fail "allow-host-bridge --remove failed"
setpci -s "$port" ECAP_ACS+6.w=0x0000

# list and topo show sysfs.
json=$("$cli" list --json) || fail "list failed"
for c in /sys/class/p2pmem/p2pmem*; do
	n=${c##*/}
	expect_eq "size of $n in list" "$(cat "$c/size")" "$(python3 -c '
import json, sys
print([p["size"] for p in json.load(sys.stdin)["providers"] if p["name"] == sys.argv[1]][0])' "$n" <<<"$json")"
done
topo=$("$cli" topo --json) || fail "topo failed"
for f in "${eps[@]}"; do
	grep -q "\"$f\"" <<<"$topo" || fail "topo does not show $f"
done
"$cli" topo | grep -q p2pmem || fail "topo marks no provider"

# holders: a process that maps /dev/p2pmemN is listed, with the bytes it maps, until it unmaps.
prov=$(ls /sys/class/p2pmem | grep -m1 '^p2pmem[0-9]')
python3 - "$cli" "$prov" <<-'PY' || fail "holders does not follow a mapping of /dev/$prov"
	import json, mmap, os, subprocess, sys
	cli, prov = sys.argv[1], sys.argv[2]
	def holders(arg):
	    r = subprocess.run([cli, "holders", "--json", arg], capture_output=True, text=True,
	                       check=True)
	    return {h["name"]: h for h in json.loads(r.stdout)["providers"]}
	def mine(h):
	    return [(p["file"], p["deleted"], p["vmas"], p["bytes"])
	            for p in h["processes"] if p["pid"] == os.getpid()]
	fd = os.open(f"/dev/{prov}", os.O_RDWR)
	m = mmap.mmap(fd, 2 << 20, mmap.MAP_SHARED)
	m[0] = 1
	h = holders(prov)[prov]
	assert mine(h) == [(f"/dev/{prov}", False, 1, 2 << 20)], h["processes"]
	assert h["sysfs"]["allocations"] >= 1 and h["in_use"] >= 2 << 20, h
	assert h["claims"] is None
	# By the provider's function too.
	function = os.path.basename(os.path.realpath(f"/sys/class/p2pmem/{prov}/device"))
	assert mine(holders(function)[prov]) == mine(h)
	m.close()
	os.close(fd)
	assert mine(holders(prov)[prov]) == [], "still listed after munmap"
	print(f"holders: {prov} mapped by pid {os.getpid()}, then not")
	PY
"$cli" holders p2pmem999 >/dev/null 2>&1
expect_eq "exit status of holders for no provider" 2 "$?"
# topo shows the bound drivers as sysfs links them, and --below starts at a bridge.
python3 - "$topo" <<-'PY' || fail "topo's drivers are not sysfs's"
	import json, os, sys
	def walk(fs):
	    for f in fs:
	        yield f
	        yield from walk(f["children"])
	n = 0
	for b in json.loads(sys.argv[1])["root_buses"]:
	    for f in walk(b["functions"]):
	        link = f"/sys/bus/pci/devices/{f['address']}/driver"
	        want = os.path.basename(os.readlink(link)) if os.path.islink(link) else None
	        assert f["driver"] == want, (f["address"], f["driver"], want)
	        n += want is not None
	assert n > 0, "no function has a driver"
	PY
port=$(upstream_of 0000:0b:00.0)
below=$("$cli" topo --json --below "$port") || fail "topo --below $port failed"
python3 - "$below" "$port" <<-'PY' || fail "topo --below $port does not start at it"
	import json, sys
	j, port = json.loads(sys.argv[1]), sys.argv[2]
	assert j["below"] == port, j["below"]
	[bus] = j["root_buses"]
	[top] = bus["functions"]
	assert top["address"] == port, top["address"]
	assert [c["address"] for c in top["children"]] == ["0000:0b:00.0"], top["children"]
	PY
"$cli" topo --below "$port" | head -n 1 | grep -q ", below $port\$" || fail "no 'below' in the header"

# wrap and unwrap of a CMB through the CLI.
cmb=$(nvme_cmb)
# wrappable, for the CMB (BAR 2): "VERDICT:RULE,RULE..." of its JSON.
cmb_wrappable() {
	"$cli" wrappable --json "$cmb" | python3 -c '
import json, sys
[b] = [b for b in json.load(sys.stdin)["bars"] if b["bar"] == 2]
print(b["verdict"] + ":" + ",".join(r["rule"] for r in b["refusals"]))'
}
expect_eq "wrappable CMB bound to nvme" "no:driver,busy" "$(cmb_wrappable)"
echo "$cmb" >/sys/bus/pci/drivers/nvme/unbind || fail "unbinding $cmb failed"
expect_eq "wrappable CMB unbound" "yes:" "$(cmb_wrappable)"
"$cli" wrappable "$cmb" | grep -q "^$cmb BAR 2 (.*): yes: echo $cmb 2 > /sys/class/p2pmem/wrap\$" ||
	fail "wrappable does not offer the CMB: $("$cli" wrappable "$cmb")"
"$cli" wrap "$cmb" 2 >/dev/null || fail "wrap $cmb 2 failed"
expect_eq "wrappable CMB wrapped" "no:provider" "$(cmb_wrappable)"
[ -d "/sys/bus/pci/devices/$cmb/p2pmem" ] && ls "/sys/bus/pci/devices/$cmb/p2pmem" | grep -q p2pmem ||
	fail "no provider after wrap"
"$cli" wrap "$cmb" 2 >/dev/null 2>&1 && fail "a second wrap succeeded"
expect_eq "exit status of a refused wrap" 2 "$("$cli" wrap "$cmb" 2 >/dev/null 2>&1; echo $?)"
# A refusal comes with the line the module logged for it, read from /dev/kmsg.
err=$("$cli" wrap "$cmb" 2 2>&1 >/dev/null)
grep -q "(EBUSY); kernel log: p2pmem: $cmb BAR 2: range .* overlaps the provider on $cmb BAR 2" \
	<<<"$err" || fail "a refused wrap does not give the module's reason: $err"
"$cli" unwrap "$cmb" || fail "unwrap $cmb failed"
err=$("$cli" unwrap "$cmb" 2>&1 >/dev/null)
grep -q "(ENOENT); kernel log: p2pmem: unwrap: $cmb has no wrapped BAR" <<<"$err" ||
	fail "a refused unwrap does not give the module's reason: $err"
rebind "$cmb" nvme

# Without root, ACS is unreadable: no answer rather than a guess.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$cli" check --compute "${eps[0]}" "${eps[1]}" 2>&1)
rc=$?
expect_eq "exit status without root" 2 "$rc"
grep -q "cannot decide" <<<"$out" || fail "no 'cannot decide' without root: $out"

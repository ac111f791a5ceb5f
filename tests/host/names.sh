#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The nvmet port attribute has one name outside the kernel patches: param_allow_p2pmem (and
# "allow_p2pmem", the key nvmetcli saves it under in its "param" group). Any other spelling in
# the README, the documentation, the scripts, the tests or the tools is a stray one.
# Prints "p2pmem-test: ok|not ok NAME".
. "$(dirname "$0")/lib"

# Every file of the tree but the kernel patches (their C has the field allow_p2pmem) and this.
files() {
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -co --exclude-standard -- ':!patches' ':!tests/host/names.sh'
	else
		(cd "$top" && find . -path ./patches -prune -o -path ./target -prune -o -path ./.git -prune \
			-o -type f ! -path ./tests/host/names.sh -print)
	fi
}
stray=$(cd "$top" && files | tr '\n' '\0' | xargs -0 grep -n -o -i -I -E \
	'.?[A-Za-z0-9_-]*(allow[_-]?p2p|p2p[A-Za-z]*[_-]allow)[A-Za-z0-9_-]*' 2>/dev/null |
	grep -v -E ':[^A-Za-z0-9_-]?param_allow_p2pmem$|:"allow_p2pmem$')
if [ -z "$stray" ]; then
	report ok names.param_allow_p2pmem
else
	report "not ok" names.param_allow_p2pmem
	printf '%s\n' "$stray" | sed 's/^/    stray spelling: /'
fi

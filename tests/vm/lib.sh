# SPDX-License-Identifier: GPL-2.0
# Helpers for VM tests (tests/vm/*.sh). Each test is a bash script run as root in the guest;
# it exits 0 when every check held. A failed check prints what was expected and what was seen.

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

expect_file() { [ -e "$1" ] || fail "$1 does not exist"; }
expect_no_file() { [ ! -e "$1" ] || fail "$1 exists"; }

# pci_ids: "vendor:device" of every PCI function, one per line.
pci_ids() {
	local d
	for d in /sys/bus/pci/devices/*; do
		printf '%s:%s %s\n' "$(sed 's/^0x//' "$d/vendor")" "$(sed 's/^0x//' "$d/device")" \
			"${d##*/}"
	done
}

# count_id VENDOR:DEVICE: how many functions have that ID.
count_id() { pci_ids | grep -c "^$1 " || true; }

# The PCI address of the upstream bridge of function $1.
upstream_of() { basename "$(dirname "$(readlink -f "/sys/bus/pci/devices/$1")")"; }

# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch
# Pinnable /dev/p2pmemN mappings (no IOMMU here) under mremap() moves, refused remaps, fork()
# and reuse: umap-lifetime.c says what is checked. A move used to close the mapping twice
# (no .open): the memory went back to the pool while still mapped, and the last munmap oopsed.
. "$(dirname "$0")/lib.sh"

umap_lifetime() { # KIND: runs umap-lifetime.c against the ivshmem provider
	local shm p dir
	shm=$(fn_of 1af4:1110)
	p=$(provider_of "$shm")
	dir=$(mktemp -d)
	cc -Wall -O2 -o "$dir/umap-lifetime" "$(dirname "$0")/umap-lifetime.c" ||
		fail "building umap-lifetime failed"
	"$dir/umap-lifetime" "/dev/$p" "/sys/class/p2pmem/$p" "$1" || fail "umap-lifetime $1"
	# User mappings are uncached, as the kernel's own mapping of the BAR.
	expect_uncached "/dev/$p"
	expect_eq "available at the end" "$(cat "/sys/class/p2pmem/$p/size")" \
		"$(cat "/sys/class/p2pmem/$p/available")"
}
[ "${BASH_SOURCE[0]}" != "$0" ] || umap_lifetime pinnable

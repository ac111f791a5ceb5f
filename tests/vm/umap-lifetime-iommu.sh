# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --iommu
# CPU-only /dev/p2pmemN mappings (an IOMMU translates DMA for the provider) under mremap()
# moves, refused remaps, fork() and reuse: as umap-lifetime.sh for pinnable ones. Here a move
# used to hand the moved mapping's memory to the next mmap() while it was still mapped.
. "$(dirname "$0")/umap-lifetime.sh"
umap_lifetime cpu

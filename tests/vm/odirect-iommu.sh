# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --iommu
# With an IOMMU translating DMA, the generic DMA path would hand a device the CPU address of the
# BAR, which the IOMMU does not map: user mappings are CPU-only. The CPU can use them, O_DIRECT
# gets EFAULT, and the sysfs allocate file refuses them. pin_through_iommu=1 opts in.
. "$(dirname "$0")/lib.sh"

shm=$(fn_of 1af4:1110) a=$(nvme_plain) b=$(nvme_cmb)
p=$(provider_of "$shm")
na=$(nvme_ns "$a") nb=$(nvme_ns "$b")
[ -e "/sys/bus/pci/devices/$shm/iommu_group" ] || fail "no IOMMU group for $shm"
copy() { python3 "$(dirname "$0")/p2pcopy.py" "$1" "$na" "$nb" 65536 1048576; }

python3 - "/dev/$p" <<'PY' || fail "CPU access to a CPU-only mapping"
import mmap, os, sys
m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), 1 << 20, mmap.MAP_SHARED)
m[0:4] = b"p2p!"
assert m[0:4] == b"p2p!"
PY
rc=0
copy "/dev/$p" 2>/dev/null || rc=$?
expect_eq "O_DIRECT through a CPU-only mapping (3: EFAULT)" 3 "$rc"
rc=0
copy "/sys/class/p2pmem/$p/allocate" 2>/dev/null || rc=$?
expect_eq "mmap of allocate under an IOMMU (1: refused)" 1 "$rc"
dmesg | grep -q "$p: an IOMMU translates DMA: user mappings are CPU-only" ||
	fail "no dmesg line saying why"
expect_eq "available after the refusals" $((64 << 20)) "$(cat "/sys/class/p2pmem/$p/available")"

# Root opts in: the IOMMU maps the BAR for the devices, so O_DIRECT works and the data arrives.
echo 1 >/sys/module/p2pmem/parameters/pin_through_iommu
dd if=/dev/urandom of="$na" bs=1M count=1 oflag=direct status=none
copy "/dev/$p" || fail "O_DIRECT with pin_through_iommu=1 failed"
expect_eq "checksum with pin_through_iommu=1" \
	"$(dd if="$na" bs=1M count=1 iflag=direct status=none | sha256sum)" \
	"$(dd if="$nb" bs=1M count=1 iflag=direct status=none | sha256sum)"
echo 0 >/sys/module/p2pmem/parameters/pin_through_iommu

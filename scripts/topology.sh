# SPDX-License-Identifier: GPL-2.0
# PCIe topologies of the test VM (QEMU q35). Source it, then call
#   topology_args NAME IMAGEDIR   -> QEMU arguments, one per line
# NVMe backing images are sparse files in IMAGEDIR, attached with -blockdev so that device_del
# and device_add (hot-plug tests) can bring a device back on the same backend.
# Slot numbers 0x10-0x16 on pcie.0 stay clear of vng's own devices. Verified command lines:
# shared notes, qemu-topology.md.

TOPOLOGIES="switch rootports hostbridges acs all demo"

# nvme_args ID IMAGEDIR BUS SERIAL [EXTRA]: a blockdev + an NVMe controller on BUS.
_nvme() {
	local id=$1 dir=$2 bus=$3 serial=$4 extra=${5:-}
	local img="$dir/$id.img"
	[ -f "$img" ] || truncate -s 256M "$img"
	printf '%s\n' -blockdev \
		"driver=file,node-name=${id}f,filename=$img,locking=off" \
		-blockdev "driver=raw,node-name=${id}b,file=${id}f" \
		-device "nvme,id=$id,bus=$bus,serial=$serial,drive=${id}b$extra"
}

_cmb=",cmb_size_mb=64,legacy-cmb=on"

# One switch: NVMe with a CMB, NVMe without, ivshmem (64 MiB) and edu below one upstream port.
_topo_switch() {
	local dir=$1
	printf '%s\n' \
		-object memory-backend-ram,id=p2pmem0,size=64M \
		-device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10.0,chassis=1,slot=1,port=1 \
		-device x3130-upstream,id=up1,bus=rp1 \
		-device xio3130-downstream,id=dp1,bus=up1,addr=0x0,chassis=2,slot=1,port=1 \
		-device xio3130-downstream,id=dp2,bus=up1,addr=0x1,chassis=2,slot=2,port=2 \
		-device xio3130-downstream,id=dp3,bus=up1,addr=0x2,chassis=2,slot=3,port=3 \
		-device xio3130-downstream,id=dp4,bus=up1,addr=0x3,chassis=2,slot=4,port=4
	_nvme nvme1 "$dir" dp1 cmb0001 "$_cmb"
	_nvme nvme2 "$dir" dp2 nvm0002
	printf '%s\n' \
		-device ivshmem-plain,id=shm0,bus=dp3,memdev=p2pmem0 \
		-device edu,id=edu0,bus=dp4,dma_mask=0xffffffffffffffff
}

# Two root ports of the same host bridge (pcie.0).
_topo_rootports() {
	local dir=$1
	printf '%s\n' \
		-device pcie-root-port,id=rp2,bus=pcie.0,addr=0x11.0,multifunction=on,chassis=3,slot=1,port=3 \
		-device pcie-root-port,id=rp3,bus=pcie.0,addr=0x11.1,chassis=3,slot=2,port=4
	_nvme nvme3 "$dir" rp2 cmb0003 "$_cmb"
	_nvme nvme4 "$dir" rp3 nvm0004
}

# NVMe(CMB) on a root port of pcie.0, NVMe behind a pxb-pcie host bridge (root bus 0x40).
_topo_hostbridges() {
	local dir=$1
	printf '%s\n' \
		-device pcie-root-port,id=rp7,bus=pcie.0,addr=0x14.0,chassis=7,slot=1,port=7 \
		-device pxb-pcie,id=pxb1,bus=pcie.0,addr=0x12,bus_nr=0x40 \
		-device pcie-root-port,id=rp4,bus=pxb1,addr=0x0,chassis=4,slot=1,port=5
	_nvme nvme6 "$dir" rp7 cmb0006 "$_cmb"
	_nvme nvme5 "$dir" rp4 nvm0005
}

# A switch whose downstream ports are pcie-root-port devices (QEMU's only ports with ACS).
_topo_acs() {
	local dir=$1
	printf '%s\n' \
		-device pcie-root-port,id=rp20,bus=pcie.0,addr=0x13.0,chassis=20,slot=1,port=20 \
		-device x3130-upstream,id=up20,bus=rp20 \
		-device pcie-root-port,id=dsacs1,bus=up20,addr=0x0,chassis=21,slot=1,port=1 \
		-device pcie-root-port,id=dsacs2,bus=up20,addr=0x1,chassis=21,slot=2,port=2
	_nvme nvme7 "$dir" dsacs1 acs0007 "$_cmb"
	_nvme nvme8 "$dir" dsacs2 acs0008
}

# A second ivshmem of SIZE (e.g. 1G) on a fifth downstream port of the switch topology's switch:
# the large provider of the benchmarks (scripts/bench).
big_ivshmem_args() {
	printf '%s\n' \
		-object "memory-backend-ram,id=p2pmembig,size=$1" \
		-device xio3130-downstream,id=dp5,bus=up1,addr=0x4,chassis=2,slot=5,port=5 \
		-device ivshmem-plain,id=shmbig,bus=dp5,memdev=p2pmembig
}

# make demo: the switch, and a plain NVMe under a root port of its own, so that one verdict is
# refused (no common upstream bridge, host bridge not allowed).
_topo_demo() {
	local dir=$1
	_topo_switch "$dir"
	printf '%s\n' \
		-device pcie-root-port,id=rp3,bus=pcie.0,addr=0x11.0,chassis=3,slot=2,port=4
	_nvme nvme4 "$dir" rp3 nvm0004
}

topology_args() {
	local name=$1 dir=$2
	case $name in
	switch | rootports | hostbridges | acs | demo) "_topo_$name" "$dir" ;;
	all)
		local t
		for t in switch rootports hostbridges acs; do "_topo_$t" "$dir"; done
		;;
	*) return 1 ;;
	esac
}

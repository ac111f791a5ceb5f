# SPDX-License-Identifier: GPL-2.0
# vm: --topology switch --nvme-patched --nvmet-patched --append log_buf_len=16M
# Bad input (tests/vm/fuzz-input.py): 10,000 random and malformed writes to each control file
# p2pmem adds (wrap, unwrap, host_bridge_allow, flush, the debugfs query file) and to the
# patched nvmet's configfs attributes (param_allow_p2pmem, a namespace's p2pmem). Each is
# refused with the right errno and changes nothing; the files still work afterwards; the run
# leaves no splat. Unprivileged users cannot open /dev/p2pmemN, the allocate file or any
# control file for writing. Each refusal is logged: the boot has a 16 MiB log buffer so that
# the 70,000 lines do not push earlier messages out (the splat scan and dmesg_since need them).
. "$(dirname "$0")/lib.sh"

writes=${P2PMEM_FUZZ_WRITES:-$(by_length 2000 10000)}
shm=$(fn_of 1af4:1110)
p=$(provider_of "$(nvme_cmb)")
[ -n "$shm" ] && [ -n "$p" ] || fail "no ivshmem function or no CMB provider"
modprobe nvmet || fail "modprobe nvmet failed"
[ -e /sys/module/p2pmem/holders/nvmet ] || fail "the nvmet loaded is not the patched one"
s=$NVMET/subsystems/$NVMET_NQN
mkdir "$s" "$s/namespaces/1" "$NVMET_PORT" || fail "creating the nvmet configfs items failed"
cleanup() {
	rmdir "$s/namespaces/1" "$s" "$NVMET_PORT"
	modprobe -r nvmet
}
trap cleanup EXIT
ctl=/sys/class/p2pmem
files=("$ctl/wrap:wrap" "$ctl/unwrap:unwrap" "$ctl/host_bridge_allow:allow" "$ctl/flush:bool"
	"/sys/kernel/debug/p2pmem/query:query" "$NVMET_PORT/param_allow_p2pmem:bool"
	"$s/namespaces/1/p2pmem:select")

FUZZ_ADDR=$shm python3 "$(dirname "$0")/fuzz-input.py" "$writes" 7 "${files[@]}" ||
	fail "a bad write was accepted, answered with the wrong errno or changed state"

# Every file still does its job.
drv=$(basename "$(readlink -f "/sys/bus/pci/devices/$shm/driver")")
echo "$shm" >"/sys/bus/pci/drivers/$drv/unbind" || fail "unbinding $shm from $drv failed"
expect_eq "wrap after the bad input" ok "$(write $ctl/wrap "$shm 2")"
expect_eq "the wrap is listed" "$shm 2" "$(cut -d' ' -f1,2 $ctl/wrap)"
expect_eq "unwrap after the bad input" ok "$(write $ctl/unwrap "$shm")"
rebind "$shm" "$drv"
expect_eq "allowlist add after the bad input" ok "$(write $ctl/host_bridge_allow 1b36:0008)"
expect_eq "allowlist remove after the bad input" ok "$(write $ctl/host_bridge_allow -1b36:0008)"
expect_eq "flush after the bad input" ok "$(write $ctl/flush 1)"
expect_eq "query after the bad input" ok "$(write /sys/kernel/debug/p2pmem/query "$shm $(nvme_cmb)")"
expect_eq "param_allow_p2pmem after the bad input" ok "$(write "$NVMET_PORT/param_allow_p2pmem" 1)"
expect_eq "namespace p2pmem after the bad input" ok "$(write "$s/namespaces/1/p2pmem" 1)"

# Unprivileged: no write access to anything, no access to the memory.
denied=$(python3 - "/dev/$p" "$ctl/$p/allocate" "$ctl/wrap" "$ctl/unwrap" \
	"$ctl/host_bridge_allow" "$ctl/flush" /sys/kernel/debug/p2pmem/query \
	"$NVMET_PORT/param_allow_p2pmem" "$s/namespaces/1/p2pmem" <<'PY'
import errno, os, sys
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
for path in sys.argv[1:]:
    try:
        os.close(os.open(path, os.O_RDWR if path.startswith("/dev/") else os.O_WRONLY))
        print(f"{path}: opened")
    except OSError as e:
        if e.errno != errno.EACCES:
            print(f"{path}: {os.strerror(e.errno)}")
PY
)
expect_eq "unprivileged opens that were not refused with EACCES" "" "$denied"

# SPDX-License-Identifier: GPL-2.0
# Shared helpers for p2pmem's scripts. Source it; it sets no options of its own.

P2PMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything built or downloaded lives outside the clone.
P2PMEM_CACHE=${P2PMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p2pmem}
# The toolchain the module and the kernel are built with.
P2PMEM_LLVM=${P2PMEM_LLVM:--22}
P2PMEM_BINDGEN_VERSION=0.73.2
P2PMEM_VNG_VERSION=1.42
# The kernel series this tree targets (Debian's linux-source-<series> package).
P2PMEM_KSERIES=7.3

export PATH="$HOME/.cargo/bin:$P2PMEM_CACHE/venv/bin:$PATH"

say() { printf 'p2pmem: %s\n' "$*" >&2; }
die() { printf 'p2pmem: error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Ensure a directory exists and print its absolute path.
mkcache() {
	mkdir -p "$P2PMEM_CACHE/$1" && printf '%s\n' "$P2PMEM_CACHE/$1"
}

# A short, stable hash of stdin.
hash12() { sha256sum | cut -c1-12; }

# The toolchain identity a kernel build depends on.
toolchain_id() {
	rustc --version
	bindgen --version 2>/dev/null
	"clang$P2PMEM_LLVM" --version | head -n 1
}

# Make variables every kernel or module build passes.
kmake_vars() {
	printf '%s\n' "LLVM=$P2PMEM_LLVM"
}

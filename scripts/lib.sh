# SPDX-License-Identifier: GPL-2.0
# Shared helpers for p2pmem's scripts. Source it; it sets no options of its own.

P2PMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything built or downloaded lives outside the clone.
P2PMEM_CACHE=${P2PMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p2pmem}
# The toolchain the module and the kernel are built with: make's LLVM= (-22 for clang-22 and
# the LLVM tools of the same suffix; empty, as in `make LLVM=`, for a kernel built with GCC).
P2PMEM_LLVM=${P2PMEM_LLVM--22}
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

# The configuration file of the kernel build directory $1: include/config/auto.conf (what
# headers packages ship), else .config. Fails when it has neither.
kernel_config() {
	if [ -f "$1/include/config/auto.conf" ]; then
		printf '%s\n' "$1/include/config/auto.conf"
	elif [ -f "$1/.config" ]; then
		printf '%s\n' "$1/.config"
	else
		return 1
	fi
}

# kconfig_value CONFIG OPTION: the value of OPTION in the kernel configuration file CONFIG,
# without quotes; empty when it is not set.
kconfig_value() {
	sed -n "s/^$2=//p" "$1" | head -n 1 | sed 's/^"\(.*\)"$/\1/'
}

# The LLVM= value that matches the compiler of the kernel whose configuration file is $1:
# empty for GCC; for clang N, -N when clang-N is installed (Debian's names), else 1.
kernel_llvm() {
	local v
	[ "$(kconfig_value "$1" CONFIG_CC_IS_CLANG)" = y ] || return 0
	v=$(kconfig_value "$1" CONFIG_CLANG_VERSION)
	if [ -n "$v" ] && command -v "clang-$((v / 10000))" >/dev/null; then
		printf -- '-%s\n' $((v / 10000))
	else
		printf '1\n'
	fi
}

# toolchain_warnings CONFIG LLVM: warnings (on stderr) when this machine's rustc is not the one
# the kernel of configuration file CONFIG was built with (its crates load only into that
# rustc), or when LLVM (make's LLVM=) does not match the kernel's C compiler.
toolchain_warnings() {
	local want have llvm
	want=$(kconfig_value "$1" CONFIG_RUSTC_VERSION_TEXT)
	have=$(rustc --version 2>/dev/null || echo "no rustc")
	[ -z "$want" ] || [ "$want" = "$have" ] ||
		say "warning: the kernel was built with $want, but rustc here is $have; the build \
fails unless they match (put that rustc first in PATH)"
	llvm=$(kernel_llvm "$1")
	if [ -z "$llvm" ] && [ -n "$2" ]; then
		say "warning: the kernel was built with GCC ($(kconfig_value "$1" CONFIG_CC_VERSION_TEXT)), \
but the build passes LLVM=$2; for GCC, build with: make LLVM="
	elif [ -n "$llvm" ] && [ -z "$2" ]; then
		say "warning: the kernel was built with clang ($(kconfig_value "$1" CONFIG_CC_VERSION_TEXT)), \
but the build passes no LLVM=; build with: make LLVM=$llvm"
	elif [ -n "$llvm" ] && [ "$2" != 1 ] && [ "$llvm" != 1 ] && [ "$llvm" != "$2" ]; then
		say "warning: the kernel was built with clang $((${llvm#-})), but the build passes \
LLVM=$2; to match it, build with: make LLVM=$llvm"
	fi
	return 0
}

# The main Debian archive this machine's apt is configured with (label "Debian", not the
# security one), as a URI.
debian_mirror() {
	apt-get indextargets --format '$(LABEL) $(REPO_URI)' 2>/dev/null |
		awk '$1 == "Debian" { print $2; exit }'
}

# apt_private NAME LINE...: a private apt configuration under $P2PMEM_CACHE/apt/NAME whose
# sources are the given "deb" lines, its index refreshed at most once a day (the cached one is
# used when the archive cannot be reached). Sets the array apt_opts for apt-get and apt-cache.
# Nothing of the machine's apt state is changed; packages are only ever downloaded with it.
apt_private() {
	local name=$1 dir stamp
	shift
	dir=$(mkcache "apt/$name")
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d" \
		"$dir/preferences.d"
	printf '%s\n' "$@" >"$dir/sources.list.new"
	if ! cmp -s "$dir/sources.list.new" "$dir/sources.list"; then
		mv "$dir/sources.list.new" "$dir/sources.list"
		rm -f "$dir/lists/.updated"
	else
		rm -f "$dir/sources.list.new"
	fi
	apt_opts=(
		-o "Dir::Etc::sourcelist=$dir/sources.list"
		-o "Dir::Etc::sourceparts=$dir/sources.list.d"
		-o "Dir::Etc::preferencesparts=$dir/preferences.d"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache=$dir/cache"
		-o "APT::Sandbox::User=root"
	)
	stamp="$dir/lists/.updated"
	if [ -z "$(find "$stamp" -mtime -1 2>/dev/null)" ]; then
		if apt-get "${apt_opts[@]}" -qq update >/dev/null 2>"$dir/update.log"; then
			touch "$stamp"
		else
			say "warning: apt-get update for $name failed (see $dir/update.log)"
		fi
	fi
}

# The oldest QEMU the VM tests run on: older TCG corrupts MMIO while the memory map changes.
P2PMEM_QEMU_MIN=8.1

# The "major.minor.micro" version of the QEMU program $1.
qemu_version() {
	"$1" --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p'
}

# Whether the QEMU program $1 runs and is at least $P2PMEM_QEMU_MIN.
qemu_new_enough() {
	local v
	v=$(qemu_version "$1")
	[ -n "$v" ] && [ "$(printf '%s\n' "$P2PMEM_QEMU_MIN" "$v" | sort -V | head -n 1)" = "$P2PMEM_QEMU_MIN" ]
}

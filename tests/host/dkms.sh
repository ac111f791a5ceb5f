#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# dkms.conf without DKMS: sourced the way dkms sources it (with dkms_tree, kernel_source_dir and
# kernelver set), it must name the package, module and destination DKMS needs, and its MAKE
# must run files that exist in the build tree DKMS copies the source to. scripts/dkms-make,
# with a fake make that records its arguments, must pass the LLVM= of the kernel's compiler
# instead of DKMS's LLVM=1. Prints "p2pmem-test: ok|not ok NAME".
. "$(dirname "$0")/lib"

cli_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$top/tools/p2pmem/Cargo.toml" | head -n 1)

# conf NAME: the value of NAME (an array element like MAKE[0] too) in dkms.conf, sourced in a
# clean bash with DKMS's variables.
conf() {
	env -i PATH="$PATH" bash -c '
		dkms_tree=$1/tree kernel_source_dir=$1/kernel kernelver=9.9.9-test arch=x86_64
		. "$2/dkms.conf" || exit 1
		eval "printf \"%s\\n\" \"\${$3}\""' _ "$tmp" "$top" "$1"
}
expect_conf() { # expect_conf NAME VALUE
	local v
	v=$(conf "$1") || return 1
	[ "$v" = "$2" ] || { printf '%s is "%s", want "%s"\n' "$1" "$v" "$2"; return 1; }
}
check dkms.conf-sources bash -n "$top/dkms.conf"
check dkms.package-name expect_conf PACKAGE_NAME p2pmem
check dkms.version-is-the-cli-version expect_conf PACKAGE_VERSION "$cli_version"
check dkms.built-module-name expect_conf 'BUILT_MODULE_NAME[0]' p2pmem
check dkms.dest-module-location expect_conf 'DEST_MODULE_LOCATION[0]' /updates/dkms
check dkms.autoinstall expect_conf AUTOINSTALL yes
check dkms.rust-kernels-only expect_conf BUILD_EXCLUSIVE_CONFIG CONFIG_RUST

# MAKE[0] in the tree DKMS builds in: $dkms_tree/p2pmem/<version>/build, a copy of the source.
make_line() {
	local line build=$tmp/tree/p2pmem/$cli_version/build w script= m= c= prev=
	mkdir -p "$(dirname "$build")"
	ln -sfn "$top" "$build"
	line=$(conf 'MAKE[0]') || return 1
	read -r -a w <<<"$line"
	[ "${w[0]}" = bash ] && script=${w[1]}
	[ "$script" = "$build/scripts/dkms-make" ] && [ -f "$script" ] ||
		{ echo "MAKE does not run scripts/dkms-make of the build tree: $line"; return 1; }
	[ "${w[2]}" = make ] || { echo "dkms-make is not given a make command: $line"; return 1; }
	for a in "${w[@]}"; do
		[ "$prev" != -C ] || c=$a
		case $a in M=*) m=${a#M=} ;; esac
		prev=$a
	done
	[ "$c" = "$tmp/kernel" ] || { echo "make -C is not \$kernel_source_dir: $line"; return 1; }
	[ "$m" = "$build" ] && [ -f "$m/Kbuild" ] && [ -f "$m/src/p2pmem.rs" ] ||
		{ echo "M= is not the build tree with Kbuild: $line"; return 1; }
	for want in KERNELRELEASE=9.9.9-test "P2PMEM_VERSION=$cli_version" modules; do
		grep -qw -- "$want" <<<"${w[*]}" || { echo "no $want in: $line"; return 1; }
	done
}
check dkms.make-line make_line

# scripts/dkms-make with a fake make (and a fake clang-22) first in PATH.
mkdir -p "$tmp/bin" "$tmp/home"
cat >"$tmp/bin/make" <<'EOF'
#!/bin/sh
printf '%s\n' "$@" >"$MAKE_ARGS"
EOF
printf '#!/bin/sh\n' >"$tmp/bin/clang-22"
chmod +x "$tmp/bin/make" "$tmp/bin/clang-22"
kernel() { # kernel NAME CONFIG_LINES...: a configured kernel build directory
	mkdir -p "$tmp/$1/include/config"
	local d=$tmp/$1
	shift
	printf '%s\n' "$@" >"$d/include/config/auto.conf"
}
kernel clang22 CONFIG_RUST=y CONFIG_CC_IS_CLANG=y CONFIG_CLANG_VERSION=220108
kernel clang99 CONFIG_RUST=y CONFIG_CC_IS_CLANG=y CONFIG_CLANG_VERSION=990100
kernel gcc CONFIG_RUST=y CONFIG_CC_IS_GCC=y
# dkms_make KERNEL [ENV...]: the arguments the fake make got, on one line, as DKMS calls it
# (LLVM=1 appended, as DKMS does for a clang-built kernel), with no P2PMEM_LLVM of the caller
# (make exports the default one) unless ENV gives it.
dkms_make() {
	local k=$1
	shift
	env -u P2PMEM_LLVM HOME="$tmp/home" P2PMEM_CACHE="$tmp/cache" PATH="$tmp/bin:$PATH" \
		MAKE_ARGS="$tmp/args" "$@" \
		bash "$top/scripts/dkms-make" make -C "$tmp/$k" M=/build KERNELRELEASE=9.9.9 modules LLVM=1 \
		>/dev/null 2>&1 || return 1
	tr '\n' ' ' <"$tmp/args"
}
expect_args() { # expect_args WANT KERNEL [ENV...]
	local want=$1 got
	shift
	got=$(dkms_make "$@") || { echo "dkms-make failed"; return 1; }
	[ "$got" = "$want " ] || { printf 'got:  %s\nwant: %s\n' "$got" "$want"; return 1; }
}
j=-j$(nproc)
check dkms.make-clang-n expect_args "$j -C $tmp/clang22 M=/build KERNELRELEASE=9.9.9 modules LLVM=-22" clang22
check dkms.make-clang-unsuffixed expect_args "$j -C $tmp/clang99 M=/build KERNELRELEASE=9.9.9 modules LLVM=1" clang99
check dkms.make-gcc expect_args "$j -C $tmp/gcc M=/build KERNELRELEASE=9.9.9 modules" gcc
check dkms.make-llvm-given expect_args "$j -C $tmp/gcc M=/build KERNELRELEASE=9.9.9 modules LLVM=-21" \
	gcc P2PMEM_LLVM=-21
check dkms.make-llvm-given-empty expect_args "$j -C $tmp/clang22 M=/build KERNELRELEASE=9.9.9 modules" \
	clang22 P2PMEM_LLVM=
unconfigured() { ! dkms_make nowhere; }
check dkms.make-unconfigured-kernel unconfigured

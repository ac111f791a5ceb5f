#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Which kernel `make` builds against (scripts/kdir, the Makefile's choice), on fake
# /lib/modules trees (P2PMEM_MODULES_DIR, P2PMEM_KERNELRELEASE), so nothing depends on this
# machine's kernel: KDIR when given, else the running kernel's build directory when it is a
# Rust-enabled kernel build, else a refusal naming the alternatives. Nothing is built.
# Prints "p2pmem-test: ok|not ok NAME".
. "$(dirname "$0")/lib"

# fake_kernel DIR [CONFIG LINES...]: a kernel build directory with a Makefile and an
# include/config/auto.conf of the given lines.
fake_kernel() {
	local d=$1
	shift
	mkdir -p "$d/include/config" "$d/rust"
	: >"$d/Makefile"
	printf '%s\n' "$@" >"$d/include/config/auto.conf"
}
rel=9.9.9-test
rust_clang=(CONFIG_RUST=y CONFIG_CC_IS_CLANG=y CONFIG_CLANG_VERSION=220108
	"CONFIG_RUSTC_VERSION_TEXT=$(rustc --version 2>/dev/null)")

# kdir_of MODULES_DIR [ARGS...]: scripts/kdir's output (stdout and stderr) and exit status.
kdir_of() {
	local m=$1
	shift
	P2PMEM_MODULES_DIR=$m P2PMEM_KERNELRELEASE=$rel P2PMEM_LLVM=-22 "$top/scripts/kdir" "$@" 2>&1
}
# expect_refusal NEEDLE MODULES_DIR [ARGS...]: scripts/kdir fails and says NEEDLE and the
# alternatives (make KDIR=, make FLAVOR=test, make demo, make check).
expect_refusal() {
	local needle=$1 out
	shift
	if out=$(kdir_of "$@"); then
		echo "accepted: $out"
		return 1
	fi
	for w in "$needle" "make KDIR=" "make FLAVOR=test" "make demo" "make check"; do
		grep -qF -- "$w" <<<"$out" || { printf 'no "%s" in:\n%s\n' "$w" "$out"; return 1; }
	done
}
# expect_kdir WANT MODULES_DIR [ARGS...]: scripts/kdir succeeds and prints WANT last.
expect_kdir() {
	local want=$1 out
	shift
	out=$(kdir_of "$@") || { printf 'refused:\n%s\n' "$out"; return 1; }
	[ "$(tail -n 1 <<<"$out")" = "$want" ] || { printf 'want %s, got:\n%s\n' "$want" "$out"; return 1; }
}

mkdir -p "$tmp/none"
check kdir.no-build-dir expect_refusal "$tmp/none/$rel/build does not exist" "$tmp/none"
check kdir.no-build-dir-headers-hint expect_refusal "linux-headers-$rel" "$tmp/none"

fake_kernel "$tmp/gcc/$rel/build" CONFIG_CC_IS_GCC=y
check kdir.not-rust expect_refusal "is not a Rust-enabled kernel: CONFIG_RUST is not set" "$tmp/gcc"

fake_kernel "$tmp/norust/$rel/build" "${rust_clang[@]}"
rmdir "$tmp/norust/$rel/build/rust"
check kdir.rust-not-built expect_refusal "no rust/libkernel.rmeta" "$tmp/norust"

mkdir -p "$tmp/noconf/$rel/build"
: >"$tmp/noconf/$rel/build/Makefile"
check kdir.not-configured expect_refusal "not a configured kernel build" "$tmp/noconf"
mkdir -p "$tmp/nomake/$rel/build"
check kdir.not-a-build expect_refusal "not a kernel build directory" "$tmp/nomake"

fake_kernel "$tmp/ok/$rel/build" "${rust_clang[@]}"
: >"$tmp/ok/$rel/build/rust/libkernel.rmeta"
check kdir.running-kernel expect_kdir "$tmp/ok/$rel/build" "$tmp/ok"

# Headers packages: build is a symlink, and .config instead of auto.conf works too.
mkdir -p "$tmp/link/$rel"
fake_kernel "$tmp/headers" "${rust_clang[@]}"
mv "$tmp/headers/include/config/auto.conf" "$tmp/headers/.config"
: >"$tmp/headers/rust/libkernel.rmeta"
ln -s "$tmp/headers" "$tmp/link/$rel/build"
check kdir.symlinked-headers-dotconfig expect_kdir "$tmp/link/$rel/build" "$tmp/link"

check kdir.given-wins expect_kdir "$tmp/headers" "$tmp/none" "$tmp/headers"
check kdir.given-checked expect_refusal "KDIR=$tmp/gcc/$rel/build is not a Rust-enabled kernel" \
	"$tmp/ok" "$tmp/gcc/$rel/build"
check kdir.given-missing expect_refusal "KDIR=$tmp/nowhere: no such directory" "$tmp/ok" "$tmp/nowhere"

# LLVM= against the kernel's compiler: a GCC-built Rust kernel with the default LLVM=-22.
fake_kernel "$tmp/gccrust/$rel/build" CONFIG_RUST=y CONFIG_CC_IS_GCC=y "CONFIG_CC_VERSION_TEXT=gcc (Debian 12.2.0-14) 12.2.0"
: >"$tmp/gccrust/$rel/build/rust/libkernel.rmeta"
gcc_warning() {
	local out
	out=$(kdir_of "$tmp/gccrust") || { echo "$out"; return 1; }
	grep -qF "built with GCC" <<<"$out" && grep -qF "make LLVM=" <<<"$out" || { echo "$out"; return 1; }
}
check kdir.gcc-kernel-llvm-warning gcc_warning
no_warning() {
	local out
	out=$(kdir_of "$tmp/ok") || { echo "$out"; return 1; }
	! grep -q "warning: .*LLVM" <<<"$out" || { echo "$out"; return 1; }
}
check kdir.clang-kernel-no-llvm-warning no_warning

# The Makefile: make alone asks scripts/kdir (no test kernel, no setup); FLAVOR= the test
# kernel; KDIR= wins over FLAVOR=; make kernel defaults to the test flavor. And make alone on a
# machine without a kernel build fails with scripts/kdir's message.
make_n() { env -u KDIR -u FLAVOR make -s -n -C "$top" "$@" 2>&1; }
makefile_choice() {
	local out
	out=$(make_n) && grep -q 'scripts/kdir)' <<<"$out" && ! grep -q kernel-build <<<"$out" ||
		{ echo "make: $out"; return 1; }
	out=$(make_n FLAVOR=test) && grep -q 'scripts/kernel-build test' <<<"$out" ||
		{ echo "make FLAVOR=test: $out"; return 1; }
	out=$(make_n FLAVOR=debug KDIR=/k) && grep -q 'scripts/kdir "/k"' <<<"$out" &&
		! grep -q kernel-build <<<"$out" || { echo "make KDIR=/k FLAVOR=debug: $out"; return 1; }
	out=$(make_n kernel) && grep -q 'scripts/kernel-build test' <<<"$out" ||
		{ echo "make kernel: $out"; return 1; }
}
check kdir.makefile-choice makefile_choice
make_refuses() {
	local out
	if out=$(P2PMEM_MODULES_DIR=$tmp/none P2PMEM_KERNELRELEASE=$rel env -u KDIR -u FLAVOR make -s -C "$top" 2>&1); then
		echo "make succeeded: $out"
		return 1
	fi
	grep -qF "$tmp/none/$rel/build does not exist" <<<"$out" && grep -qF "make demo" <<<"$out" ||
		{ echo "$out"; return 1; }
}
check kdir.make-without-kernel make_refuses

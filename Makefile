# SPDX-License-Identifier: GPL-2.0
# p2pmem entry points (README.md). The kernel side of the build is in Kbuild.
#
#   make                 p2pmem.ko for the running kernel: /lib/modules/$(uname -r)/build, which
#                        must be a Rust-enabled kernel build (scripts/kdir says what is missing)
#   make KDIR=/path      p2pmem.ko for your own Rust-enabled kernel build (LLVM=1, or LLVM= for
#                        GCC, as that kernel was built; the default is LLVM=-22)
#   make FLAVOR=test     p2pmem.ko for the cached test kernel (built on first use; debug, bench)
#   make install         the module (for the same kernel as make) and the p2pmem command
#   make check           every test: host, build and lint checks, KUnit and VM tests
#   make demo            boot QEMU with an NVMe CMB as provider: copy, NVMe/TCP, a refusal
#   make check-long      the same tests at full length (hot-plug cycles, stress seconds, fuzzed
#                        writes, race cycles) with their figures shown
#   make check-debug     the same tests on the debug kernel flavor (KASAN, lockdep, kmemleak)
#   make bench           p2pmem vs the in-tree P2PDMA and genalloc on the bench kernel flavor
#   make kernel          build the test kernel (FLAVOR=test|debug|bench, default test)
#   make clippy | fmt | checkpatch | clean   (clippy: the cached test kernel unless KDIR)
#
# make check, demo and bench build the test kernel they need themselves, whatever KDIR says.
# The module is built out of the source tree; make prints the directory holding p2pmem.ko.

KDIR ?=
FLAVOR ?=
LLVM ?= -22
export P2PMEM_LLVM := $(LLVM)

.PHONY: all modules check check-long check-debug demo bench kernel setup clippy fmt checkpatch clean install

all: modules

# The kernel build directory to build against: KDIR; else the cached test kernel of FLAVOR;
# else the running kernel's build directory (scripts/kdir checks KDIR and that one).
kdir = $(if $(KDIR),$$(scripts/kdir "$(KDIR)"),$(if $(FLAVOR),$$(scripts/setup && \
	scripts/kernel-build $(FLAVOR)),$$(scripts/kdir)))

# Out of the source tree (MO=, under the cache), like every other build of the module.
modules:
	@kdir=$(kdir) && scripts/module-build "$$kdir"

# A developer's lint: against KDIR if given, else the cached test kernel (of FLAVOR, default test).
clippy:
	@kdir=$(if $(KDIR),$$(scripts/kdir "$(KDIR)"),$$(scripts/setup && \
		scripts/kernel-build $(or $(FLAVOR),test))) && scripts/module-build "$$kdir" --kunit CLIPPY=1

check:
	@scripts/check

check-long:
	@scripts/check --long

check-debug:
	@scripts/check --kernel-flavor debug

demo:
	@scripts/demo

bench:
	@scripts/bench

# The module (against KDIR, default the running kernel's build directory) and the CLI with
# its completions and man pages (PREFIX, default /usr/local; DESTDIR for staging).
install:
	@scripts/install

kernel:
	@scripts/setup && scripts/kernel-build $(or $(FLAVOR),test)

setup:
	@scripts/setup

fmt:
	@ksrc=$$(scripts/fetch-kernel) && \
		rustfmt --edition 2021 --config-path "$$ksrc/.rustfmt.toml" \
		$$(git ls-files -co --exclude-standard '*.rs')

checkpatch:
	@scripts/checkpatch

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M=$(CURDIR) clean; fi
	@rm -rf target
	@find . \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*.rmeta' -o -name '*.d' \) -not -path './.git/*' -delete
	@rm -f Module.symvers modules.order rust/bindings_generated.rs

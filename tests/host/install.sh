#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `scripts/install --cli-only` into a staging root: the binary runs, every command has a man page
# generated from the command line's definition (and man renders it where man is installed), and
# the bash completion completes commands and their options. Prints "p2pmem-test: ok|not ok NAME".
. "$(dirname "$0")/lib"

installed() {
	DESTDIR=$tmp PREFIX=/usr "$top/scripts/install" --cli-only --no-build || return 1
	"$tmp/usr/bin/p2pmem" --version | grep -q '^p2pmem ' || { echo "no version"; return 1; }
}
check install.cli installed

man_pages() {
	local m=$tmp/usr/share/man/man1 c
	for c in "" -list -holders -check -matrix -cache -flush -topo -wrap -wrappable -unwrap \
		-allow-host-bridge; do
		grep -q '^\.TH p2pmem'"$c"' 1' "$m/p2pmem$c.1" || { echo "no page p2pmem$c.1"; return 1; }
	done
	grep -q 'matrix' "$m/p2pmem.1" || { echo "p2pmem.1 does not list matrix"; return 1; }
	if command -v man >/dev/null; then
		MANPATH=$tmp/usr/share/man man -P cat p2pmem-matrix 2>/dev/null | grep -q -- '--providers' ||
			{ echo "man p2pmem-matrix does not render --providers"; return 1; }
	fi
}
check install.man-pages man_pages

completes() { # completes "WORDS..." EXPECTED: the completion of the last word offers EXPECTED
	bash -c '
		source "$1/usr/share/bash-completion/completions/p2pmem" || exit 1
		read -r -a COMP_WORDS <<<"$2"
		[ "${2: -1}" = " " ] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$2 COMP_POINT=${#2}
		_p2pmem p2pmem "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp" "$1" | grep -qx -- "$2" ||
		{ echo "'$1<TAB>' does not offer $2"; return 1; }
}
bash_completion() {
	completes "p2pmem ma" matrix &&
		completes "p2pmem fl" flush &&
		completes "p2pmem matrix --" --providers &&
		completes "p2pmem check --" --compute &&
		completes "p2pmem ho" holders &&
		completes "p2pmem wrapp" wrappable &&
		completes "p2pmem topo --" --below &&
		completes "p2pmem topo --" --pci-ids &&
		[ -s "$tmp/usr/share/zsh/site-functions/_p2pmem" ] &&
		[ -s "$tmp/usr/share/fish/vendor_completions.d/p2pmem.fish" ]
}
check install.completion bash_completion

# SPDX-License-Identifier: GPL-2.0-or-later
# tests/integration/findbin.sh: sourced by tests/integration/run and lib.sh (bash).
# find_cellctl SRCDIR prints the absolute path of the cellctl binary to test, or says on stderr
# why there is none and returns 1:
# $CELLCTL (tests/integration/run sets it from its argument) when set: it must be an executable
# file. Else the newest cellctl built in the source tree: in-tree ($src/cellctl) or in any
# build directory directly below it (one holding config.status: _build, _b, build-asan, ...).
# Else the one on PATH. Nothing found, or a CELLCTL that is not a program: returns 1.
find_cellctl() {
	local src=$1 c best=""
	if [ -n "${CELLCTL:-}" ]; then
		c=$CELLCTL
		case "$c" in */*) ;; *) c=$(command -v "$c" 2>/dev/null || echo "$c") ;; esac
		if [ ! -f "$c" ] || [ ! -x "$c" ]; then
			echo "CELLCTL=$CELLCTL is not an executable file" >&2
			return 1
		fi
		best=$c
	else
		for c in "$src/cellctl" "$src"/*/cellctl; do
			[ -f "$c" ] && [ -x "$c" ] && [ -f "$(dirname "$c")/config.status" ] || continue
			if [ -z "$best" ] || [ "$c" -nt "$best" ]; then best=$c; fi
		done
		[ -n "$best" ] || best=$(command -v cellctl 2>/dev/null) || best=""
		if [ -z "$best" ]; then
			echo "no cellctl binary: none built in $src or a build directory below it" \
				"(DIR/config.status and DIR/cellctl), none on PATH; set CELLCTL=/path/to/cellctl" \
				"or pass it to tests/integration/run" >&2
			return 1
		fi
	fi
	(cd "$(dirname "$best")" && printf '%s/%s\n' "$(pwd)" "$(basename "$best")")
}

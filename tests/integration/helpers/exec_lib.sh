# SPDX-License-Identifier: GPL-2.0-or-later
# tests/integration/helpers/exec_lib.sh: sourced (after lib.sh) by the t_sec_exec*.sh tests.
#   build_helper NAME [gcc flags]  compile helpers/NAME.c statically into $HELPERS/NAME (skips the
#                                  test when there is no gcc or static libc)
#   put_in CT SRC DEST             copy a host file into the running container, mode 755
#   copy_cellctl                   COPY = a private copy of cellctl (with its helper programs) in
#                                  $TMPD/bin: the attacks aim at it, never at the real build
#   ccopy ARGS                     run the copy in $NS, like cc
#   make_cts                       CTU (user namespace) and CTP (--userns no) created and started
#   SCALE                          4 in the emulated VM (CG2VM=1), else 1: for waits by the clock
HELPERS=$TMPD/helpers
SCALE=1
[ "${CG2VM:-}" = 1 ] && SCALE=4
export PTY_DRIVE_SCALE=$SCALE
mkdir -p "$HELPERS"
build_helper() {
	local name=$1
	shift
	command -v gcc >/dev/null || skip "gcc missing (the attack helpers are built from C)"
	[ -x "$HELPERS/$name" ] && return 0
	if ! gcc -O2 -Wall -static "$@" -o "$HELPERS/$name" "$LIB_DIR/helpers/$name.c" > "$TMPD/gcc-$name.log" 2>&1; then
		cat "$TMPD/gcc-$name.log"
		skip "cannot build helpers/$name.c statically (libc6-dev)"
	fi
}
put_in() {
	cc exec "$1" -- sh -c "mkdir -p \"\$(dirname '$3')\" && cat > '$3' && chmod 755 '$3'" < "$2"
}
copy_cellctl() {
	local d
	d=$(dirname "$CELLCTL")
	mkdir -p "$TMPD/bin"
	cp "$CELLCTL" "$TMPD/bin/cellctl"
	for h in cellctl-monitor cellctl-archive; do
		[ -x "$d/$h" ] && cp "$d/$h" "$TMPD/bin/$h"
	done
	COPY=$TMPD/bin/cellctl
	cp "$COPY" "$TMPD/cellctl.orig"
}
ccopy() { nsenter --net="/run/netns/$NS" -- "$COPY" "$@"; }
copy_intact() { cmp -s "$COPY" "$TMPD/cellctl.orig"; }
make_cts() {
	CTU=$(ctid 1)
	CTP=$(ctid 2)
	create_ct "$CTU" --hostname sec-userns
	create_ct "$CTP" --hostname sec-priv --userns no
	start_ct "$CTU"
	start_ct "$CTP"
}

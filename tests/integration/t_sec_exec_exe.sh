#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10 item 1, the CVE-2019-5736 route without any race: the guest makes /evil a
# "#!/proc/self/exe" script and plants its own ELF interpreter (/lib64/ld-linux-x86-64.so.2), then
# waits for the admin to run `cellctl exec CT /evil`. The kernel runs exec's own binary inside as
# the script's interpreter; the planted interpreter opens /proc/self/exe O_PATH and a second stage
# writes through it as soon as nothing executes the binary any more.
# Privileged container (root is host root): exec runs from a sealed memfd, so the write fails and
# the binary (a copy in the test's dir) stays byte-identical. User namespace: exec runs from the
# binary itself, and the kernel's permission check refuses the container's uids.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/helpers/exec_lib.sh"

need_template
build_helper exe_writer
command -v gcc >/dev/null || skip "gcc missing"
gcc -O2 -static-pie -nostdlib -fno-stack-protector -fPIE -o "$HELPERS/fake_ld" "$LIB_DIR/helpers/fake_ld.c" > "$TMPD/gcc-fake_ld.log" 2>&1 ||
	gcc -O2 -static -nostdlib -fno-stack-protector -o "$HELPERS/fake_ld" "$LIB_DIR/helpers/fake_ld.c" >> "$TMPD/gcc-fake_ld.log" 2>&1 ||
	{ cat "$TMPD/gcc-fake_ld.log"; skip "cannot build helpers/fake_ld.c"; }
leak_snapshot
make_cts

# A static cellctl (what configure builds where the toolchain can: a static PIE) has no ELF
# interpreter: the kernel runs it as the script's interpreter itself and never loads the guest's
# planted one, so this route runs no guest code at all; a dynamic build (--disable-static-cellctl)
# meets the whole attack below.
static_bin=0
readelf -lW "$CELLCTL" 2>/dev/null | grep -q 'program interpreter' || static_bin=1
[ $static_bin = 1 ] && log "cellctl is static (no PT_INTERP): the planted interpreter cannot run"

# verdict CT LABEL WHAT: wait for the second stage's report; WHAT is what the binary ran as
verdict() {
	local ct=$1 label=$2 what=$3 v
	if [ $static_bin = 1 ]; then
		sleep 1
		[ ! -e "$PRIV_DIR/$ct/exe_writer.log" ] && ok "$label: static $what binary: the guest's planted interpreter never ran" ||
			fail "$label: static $what binary: the guest's planted interpreter never ran" "$(cat "$PRIV_DIR/$ct/exe_writer.log" 2>&1)"
	elif wait_for $((30 * SCALE)) grep -q -e '^WROTE' -e '^WRITE-FAILED' "$PRIV_DIR/$ct/exe_writer.log"; then
		v=$(cat "$PRIV_DIR/$ct/exe_writer.log")
		log "$label: second stage: $(tr '\n' ' ' <<< "$v")"
		expect_match '^TARGET ' "$v" "$label: the attack ran (it got the binary $what ran from)"
		if grep -q '^WROTE' <<< "$v"; then
			fail "$label: the guest wrote through /proc/self/exe of $what's binary" "$v"
		else
			ok "$label: writing through /proc/self/exe of $what's binary failed ($(sed -n 's/^WRITE-FAILED //p' <<< "$v"))"
		fi
	else
		fail "$label: the attack's second stage reported" "$(cat "$PRIV_DIR/$ct/exe_writer.log" 2>&1)"
	fi
	copy_intact && ok "$label: the binary is byte-identical" || fail "$label: the binary was changed" "$(cmp "$COPY" "$TMPD/cellctl.orig" 2>&1)"
}

# attack CT LABEL: plant, run /evil through the copied cellctl, wait for the second stage's verdict
attack() {
	local ct=$1 label=$2
	copy_cellctl
	check "$label: plant the interpreter" put_in "$ct" "$HELPERS/fake_ld" /lib64/ld-linux-x86-64.so.2
	check "$label: plant the second stage" put_in "$ct" "$HELPERS/exe_writer" /exe_writer
	check "$label: make /evil a #!/proc/self/exe script" cc exec "$ct" -- sh -c 'printf "#!/proc/self/exe\n" > /evil && chmod 755 /evil && rm -f /exe_writer.log'
	run ccopy exec "$ct" -- /evil
	log "$label: exec /evil: exit $RC: $OUT"
	verdict "$ct" "$label" exec
}

attack "$CTP" privileged
attack "$CTU" userns

# The same route through an inside action script (issue 18): the guest's /bin/sh becomes the
# "#!/proc/self/exe" script, and the admin's next start runs the container's start script with
# it. The script's runner must join the privileged container from a sealed copy too.
hook_attack() {
	local ct=$1 label=$2
	copy_cellctl
	check "$label: make /bin/sh a #!/proc/self/exe script" cc exec "$ct" -- /bin/busybox sh -c \
		'rm -f /exe_writer.log /bin/sh && printf "#!/proc/self/exe\n" > /bin/sh && chmod 755 /bin/sh'
	check "$label: stop" cc stop "$ct" --fast
	printf 'true\n' > "$CONF_DIR/$ct.start"
	chmod 644 "$CONF_DIR/$ct.start"
	run ccopy start "$ct"
	log "$label: start with a start script: exit $RC: $OUT"
	verdict "$ct" "$label" "the script's runner"
	rm -f "$CONF_DIR/$ct.start"
}
hook_attack "$CTP" "privileged, start script"

check "stop $CTU" cc stop "$CTU" --fast
if [ $static_bin = 1 ] && is_down "$CTP"; then
	ok "$CTP is down already: its start script could not run (/bin/sh is a script of the static cellctl's)"
else
	check "stop $CTP" cc stop "$CTP" --fast
fi
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 3, acceptance 4: a guest whose /etc/resolv.conf, /etc/hostname and /etc/hosts are symlinks
# to host paths (absolute, relative ../../.. and deep relative forms, dangling ones, a symlinked
# /etc, a link through /proc) cannot make cellctl write outside the guest: at start and at a live
# `set --nameserver/--hostname` the host files stay unchanged (content, inode, mtime) and nothing
# is created on the host; cellctl writes inside the guest or refuses clearly.
# All the targets are files in this test's temp dir.
. "$(dirname "$0")/lib.sh"

need_template
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
H=$TMPD/host
mkdir -p "$H/etc"
printf 'nameserver 192.0.2.99\n# host resolv.conf: must not change\n' > "$H/resolv.conf"
printf 'the-host-hostname\n' > "$H/hostname"
printf '127.0.0.1\tlocalhost\n# host hosts: must not change\n' > "$H/hosts"
printf 'host etc file\n' > "$H/etc/hostname"
printf 'nameserver 192.0.2.98\n' > "$H/etc/resolv.conf"
chmod 644 "$H"/* "$H"/etc/* 2>/dev/null
# a fingerprint of everything under $H: names, types, inodes, sizes, mtimes (ns), contents
host_fp() {
	(cd "$H" && find . -printf '%p %y %i %s %T@ %m\n' | sort && find . -type f -exec sha256sum {} + | sort)
}
FP0=$(host_fp)
host_unchanged() { # DESC
	local d
	d=$(diff <(echo "$FP0") <(host_fp) || true)
	if [ -z "$d" ]; then ok "host files unchanged, nothing created ($1)"; else fail "host files unchanged, nothing created ($1)" "$d"; fi
}
leak_snapshot

# a refusal must say which file and why; success must leave a regular file inside the guest
CLEAR_RE='resolv\.conf|hostname|hosts|symlink|symbolic|outside|refus|unsafe'
# start_or_refuse CT DESC
start_or_refuse() {
	use_ct "$1"
	run cc start "$1"
	if [ "$RC" = 0 ]; then
		ok "start $1 ($2): started"
	elif printf '%s\n' "$OUT" | grep -Eiq "$CLEAR_RE"; then
		ok "start $1 ($2): refused clearly (exit $RC): $(printf '%s' "$OUT" | head -1)"
	else
		fail "start $1 ($2): started, or refused with a clear message (exit $RC)" "$OUT"
	fi
	[ "$RC" = 0 ]
}
# set_or_refuse CT FILE GUEST_REGEX ARGS...: a live set; either exit 0 and FILE inside matches, or a clear refusal
set_or_refuse() {
	local ct=$1 f=$2 re=$3
	shift 3
	run cc set "$ct" "$@"
	if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -Eiq 'not writing|refus|unsafe'; then
		ok "set $ct $*: declined with a clear warning (exit 0): $(printf '%s' "$OUT" | grep -Ei 'not writing|refus|unsafe' | head -1)"
	elif [ "$RC" = 0 ]; then
		local inside
		inside=$(cc exec "$ct" -- cat "$f" 2>&1)
		if printf '%s\n' "$inside" | grep -Eq -- "$re"; then
			ok "set $ct $* wrote $f inside the guest (/$re/)"
		else
			fail "set $ct $*: exit 0, so $f inside the guest has /$re/" "$inside"
		fi
		run cc exec "$ct" -- sh -c "[ -f $f ] && [ ! -L $f ]"
		[ "$RC" = 0 ] && ok "$f inside $ct is now a regular file (the link was replaced, not followed)" ||
			fail "$f inside $ct is a regular file after set" "$(cc exec "$ct" -- ls -l "$f" 2>&1)"
	elif printf '%s\n' "$OUT" | grep -Eiq "$CLEAR_RE"; then
		ok "set $ct $*: refused clearly (exit $RC): $(printf '%s' "$OUT" | head -1)"
	else
		fail "set $ct $*: writes inside the guest or refuses clearly (exit $RC)" "$OUT"
	fi
}

# ---- A: absolute resolv.conf, relative ../../.. hostname, deep relative hosts ---------------------
create_ct "$A" --hostname guest-a --ipadd 10.77.3.1/24 --nameserver 10.77.3.53 --searchdomain example.org
E=$PRIV_DIR/$A/etc
[ "$(cd "$E/../../.." && pwd)" = "$TMPD" ] || fail "test setup: $E/../../.. is $TMPD"
rm -f "$E/resolv.conf" "$E/hostname" "$E/hosts"
ln -s "$H/resolv.conf" "$E/resolv.conf"
ln -s ../../../host/hostname "$E/hostname"
ln -s "../../../../../../../../../../../..$H/hosts" "$E/hosts"
# (on the host each of these links reaches a file in $H)
[ "$(cat "$E/resolv.conf" "$E/hostname" "$E/hosts" 2>/dev/null | sha256sum)" = "$(cat "$H/resolv.conf" "$H/hostname" "$H/hosts" | sha256sum)" ] &&
	ok "test setup: the guest's links of $A lead to the host files when followed on the host" || fail "test setup: links of $A lead to the host files"
start_or_refuse "$A" "resolv.conf, hostname and hosts link to host files" && {
	host_unchanged "start $A"
	run cc exec "$A" -- cat /etc/hostname
	printf '%s\n' "$OUT" | grep -qx 'guest-a' && ok "/etc/hostname inside $A is guest-a" || warn "/etc/hostname inside $A: $OUT"
	run cc exec "$A" -- cat /etc/resolv.conf
	printf '%s\n' "$OUT" | grep -q '^nameserver 10\.77\.3\.53$' && ok "/etc/resolv.conf inside $A has the configured server" || warn "/etc/resolv.conf inside $A: $OUT"
	# the guest's root puts the links back (the guest owns its files), then the admin sets things live
	check "the guest re-creates its links" cc exec "$A" -- sh -c "ln -sf '$H/resolv.conf' /etc/resolv.conf && ln -sf ../../../host/hostname /etc/hostname && ln -sf '../../../../../../../../..$H/hosts' /etc/hosts"
	set_or_refuse "$A" /etc/resolv.conf '^nameserver 10\.77\.3\.54$' --nameserver 10.77.3.54
	host_unchanged "set $A --nameserver"
	set_or_refuse "$A" /etc/hostname '^guest-a2$' --hostname guest-a2
	host_unchanged "set $A --hostname"
	run cc exec "$A" -- cat /etc/hosts
	printf '%s\n' "$OUT" | grep -Eq '^10\.77\.3\.1[[:space:]]+guest-a2' && ok "/etc/hosts inside $A has guest-a2" || warn "/etc/hosts inside $A after set --hostname: $OUT"
	# through /proc: a magic link must not be followed either
	check "the guest links resolv.conf through /proc/1/root" cc exec "$A" -- ln -sf "/proc/1/root$H/resolv.conf" /etc/resolv.conf
	set_or_refuse "$A" /etc/resolv.conf '^nameserver 10\.77\.3\.55$' --nameserver 10.77.3.55
	check "the guest links resolv.conf through /proc/self/cwd" cc exec "$A" -- ln -sf "/proc/self/cwd/../../../../../..$H/resolv.conf" /etc/resolv.conf
	set_or_refuse "$A" /etc/resolv.conf '^nameserver 10\.77\.3\.56$' --nameserver 10.77.3.56
	host_unchanged "links through /proc"
	check "stop $A" cc stop "$A" --fast
}
host_unchanged "after $A"

# ---- B: the other way round, and dangling links (their targets must not be created) -------------
create_ct "$B" --hostname guest-b --ipadd 10.77.3.2/24 --nameserver 10.77.3.53
E=$PRIV_DIR/$B/etc
rm -f "$E/resolv.conf" "$E/hostname" "$E/hosts"
ln -s ../../../host/resolv.conf "$E/resolv.conf"
ln -s "$H/hostname" "$E/hostname"
ln -s "$H/absent-hosts" "$E/hosts"
start_or_refuse "$B" "relative resolv.conf, absolute hostname, dangling hosts" && {
	host_unchanged "start $B"
	[ ! -e "$H/absent-hosts" ] && ok "the dangling target $H/absent-hosts was not created" || fail "the dangling target $H/absent-hosts was not created"
	check "the guest makes resolv.conf a dangling link to the host" cc exec "$B" -- ln -sf "$H/absent-resolv" /etc/resolv.conf
	set_or_refuse "$B" /etc/resolv.conf '^nameserver 10\.77\.3\.57$' --nameserver 10.77.3.57
	[ ! -e "$H/absent-resolv" ] && ok "the dangling target $H/absent-resolv was not created" || fail "the dangling target $H/absent-resolv was not created"
	check "stop $B" cc stop "$B" --fast
}
host_unchanged "after $B"

# ---- C: /etc itself is a link to a host directory ------------------------------------------------
create_ct "$C" --hostname guest-c --ipadd 10.77.3.3/24 --nameserver 10.77.3.53
R=$PRIV_DIR/$C
mv "$R/etc" "$R/etc.real"
ln -s "$H/etc" "$R/etc"
if start_or_refuse "$C" "/etc is an absolute link to a host directory"; then
	host_unchanged "start $C"
	set_or_refuse "$C" /etc/resolv.conf '^nameserver 10\.77\.3\.58$' --nameserver 10.77.3.58
	host_unchanged "set $C --nameserver"
	check "stop $C" cc stop "$C" --fast
fi
rm -f "$R/etc"
ln -s "../../../host/etc" "$R/etc"
if start_or_refuse "$C" "/etc is a relative ../../.. link to a host directory"; then
	host_unchanged "start $C (relative)"
	set_or_refuse "$C" /etc/hostname '^guest-c2$' --hostname guest-c2
	host_unchanged "set $C --hostname"
	check "stop $C" cc stop "$C" --fast
fi
rm -f "$R/etc"
mv "$R/etc.real" "$R/etc"
host_unchanged "end"

for c in "$A" "$B" "$C"; do run cc destroy "$c"; done
finish

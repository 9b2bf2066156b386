#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 3, acceptance 5: the guest's /etc/hostname, /etc/hosts and /etc/resolv.conf hold the
# configured values (at start and after a live set), the guest's own lines are kept, the files
# belong to the guest's root; an opted-out file (a "# cellctl: keep" line in its first 5 lines,
# or a file without u+w) is left untouched, at start and at a live set.
. "$(dirname "$0")/lib.sh"

need_template
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
leak_snapshot
TAB=$'\t'

inside() { cc exec "$1" -- cat "$2" 2>&1; }
# fingerprint of a guest file as seen from the host: content hash, mode, owner, inode, mtime
fp() { local f=$PRIV_DIR/$1$2; printf '%s %s\n' "$(stat -c '%a %u:%g %i %Y.%y' "$f")" "$(sha256sum < "$f")"; }
conf_val() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }

# ---- A: the configured values, the guest's own lines kept -------------------------------------
create_ct "$A" --hostname web1.example.com --ipadd 10.77.4.11/24 --nameserver 10.77.4.53 --nameserver 10.77.4.54 \
	--searchdomain example.com --searchdomain example.net
run cat "$CONF_DIR/$A.conf"
expect_match 'nameserver *= *10\.77\.4\.53 10\.77\.4\.54' "$OUT" "repeated --nameserver joins into one list in the config"
expect_match 'searchdomain *= *example\.com example\.net' "$OUT" "repeated --searchdomain joins into one list in the config"
E=$PRIV_DIR/$A/etc
# the guest's own content, which must survive
printf 'options ndots:2\nnameserver 9.9.9.9\nsearch old.example\n' > "$E/resolv.conf"
printf '127.0.0.1\tlocalhost\n10.9.9.9\tother-host\n::1\tlocalhost ip6-localhost\n' > "$E/hosts"
chown "$(disk_root "$A"):$(disk_root "$A")" "$E/resolv.conf" "$E/hosts" 2>/dev/null
start_ct "$A"

expect_match '^web1\.example\.com$' "$(inside "$A" /etc/hostname)" "/etc/hostname is web1.example.com"
[ "$(inside "$A" /etc/hostname)" = web1.example.com ] && ok "/etc/hostname holds exactly that one line" || fail "/etc/hostname holds exactly one line" "$(inside "$A" /etc/hostname)"
expect_output '^web1\.example\.com$' cc exec "$A" -- hostname
h=$(inside "$A" /etc/hosts)
expect_match "^10\\.77\\.4\\.11${TAB}web1\\.example\\.com web1${TAB}# cellctl\$" "$h" "/etc/hosts: '10.77.4.11<TAB>web1.example.com web1<TAB># cellctl'"
[ "$(printf '%s\n' "$h" | grep -c '# cellctl$')" = 1 ] && ok "/etc/hosts has exactly one cellctl line" || fail "/etc/hosts has exactly one cellctl line" "$h"
expect_match "^127\\.0\\.0\\.1${TAB}localhost\$" "$h" "/etc/hosts keeps 127.0.0.1 localhost"
expect_match "^10\\.9\\.9\\.9${TAB}other-host\$" "$h" "/etc/hosts keeps the guest's own line"
expect_match "^::1${TAB}localhost ip6-localhost\$" "$h" "/etc/hosts keeps the ::1 line"
r=$(inside "$A" /etc/resolv.conf)
[ "$(printf '%s\n' "$r" | grep '^nameserver')" = "$(printf 'nameserver 10.77.4.53\nnameserver 10.77.4.54')" ] &&
	ok "/etc/resolv.conf: nameserver 10.77.4.53 and 10.77.4.54, in order, and no other" || fail "/etc/resolv.conf nameservers" "$r"
[ "$(printf '%s\n' "$r" | grep -E '^(search|domain)')" = "search example.com example.net" ] &&
	ok "/etc/resolv.conf: search example.com example.net (the old search line replaced)" || fail "/etc/resolv.conf search line" "$r"
expect_match '^options ndots:2$' "$r" "/etc/resolv.conf keeps the guest's options line"
ub=$(disk_root "$A")
for f in hostname hosts resolv.conf; do
	st=$(stat -c '%u:%g %a %F' "$E/$f")
	[ "$st" = "$ub:$ub 644 regular file" ] && ok "/etc/$f belongs to the guest's root ($ub), mode 644, a regular file" ||
		fail "/etc/$f belongs to the guest's root ($ub:$ub 644 regular file)" "$st"
done
left=$(ls -A "$E" | grep '^\.#' || true)
[ -z "$left" ] && ok "no temp files left in the guest's /etc" || fail "no temp files left in the guest's /etc" "$left"

# live (no --save): the files follow, the config does not
cp "$CONF_DIR/$A.conf" "$TMPD/a.conf"
run cc set "$A" --hostname web2.example.com --nameserver 10.77.4.55
[ "$RC" = 0 ] && ok "set $A --hostname web2.example.com --nameserver 10.77.4.55 (live)" || fail "set $A --hostname ... --nameserver ... (exit $RC)" "$OUT"
expect_output '^web2\.example\.com$' cc exec "$A" -- hostname
[ "$(inside "$A" /etc/hostname)" = web2.example.com ] && ok "/etc/hostname is web2.example.com after the live set" || fail "/etc/hostname after the live set" "$(inside "$A" /etc/hostname)"
h=$(inside "$A" /etc/hosts)
expect_match "^10\\.77\\.4\\.11${TAB}web2\\.example\\.com web2${TAB}# cellctl\$" "$h" "/etc/hosts has the new name"
printf '%s\n' "$h" | grep -q 'web1' && fail "/etc/hosts no longer names web1" "$h" || ok "/etc/hosts no longer names web1"
expect_match "^10\\.9\\.9\\.9${TAB}other-host\$" "$h" "/etc/hosts still keeps the guest's own line"
r=$(inside "$A" /etc/resolv.conf)
[ "$(printf '%s\n' "$r" | grep '^nameserver')" = "nameserver 10.77.4.55" ] && ok "/etc/resolv.conf: only nameserver 10.77.4.55 after the live set" || fail "/etc/resolv.conf after the live set" "$r"
expect_match '^search example\.com example\.net$' "$r" "/etc/resolv.conf keeps the search line"
cmp -s "$TMPD/a.conf" "$CONF_DIR/$A.conf" && ok "config unchanged (no --save)" || fail "config unchanged (no --save)"
# a live --ipadd on an interface moves nothing in /etc/hosts: the first address stays
check "set $A --ipadd 10.77.4.21/24 (live)" cc set "$A" --ipadd 10.77.4.21/24
h=$(inside "$A" /etc/hosts)
expect_match "^10\\.77\\.4\\.11${TAB}[^ ]+ [^ ]+${TAB}# cellctl\$" "$h" "/etc/hosts keeps the first address after a live --ipadd"
# (set computes a live change from the saved config: the unsaved hostname web2 is put back to web1
# in the files, as the man page says; but the UTS name stays web2 and resolv.conf keeps 10.77.4.55)
un=$(cc exec "$A" -- hostname 2>&1)
printf '%s\n' "$h" | grep -q "${TAB}$un " || warn "after a second live set, /etc/hosts names $(printf '%s\n' "$h" | awk -F'\t' '/# cellctl$/{print $2}') but the UTS host name is $un"
# the saved values come back at the next start
check "stop $A" cc stop "$A" --fast
check "start $A" cc start "$A"
[ "$(inside "$A" /etc/hostname)" = web1.example.com ] && ok "after a restart /etc/hostname is the saved web1.example.com" || fail "after a restart /etc/hostname is the saved name" "$(inside "$A" /etc/hostname)"
expect_match "^10\\.77\\.4\\.11${TAB}web1\\.example\\.com web1${TAB}# cellctl\$" "$(inside "$A" /etc/hosts)" "after a restart /etc/hosts has the saved name"
[ "$(inside "$A" /etc/resolv.conf | grep -c '^nameserver 10\.77\.4\.5[34]$')" = 2 ] && ok "after a restart /etc/resolv.conf has the saved servers" || fail "after a restart /etc/resolv.conf has the saved servers" "$(inside "$A" /etc/resolv.conf)"
# --save writes the config and the file
check "set $A --nameserver 10.77.4.56 --save" cc set "$A" --nameserver 10.77.4.56 --save
expect_match '^nameserver = 10\.77\.4\.56$' "$(cat "$CONF_DIR/$A.conf")" "the config has nameserver = 10.77.4.56"
expect_match '^nameserver 10\.77\.4\.56$' "$(inside "$A" /etc/resolv.conf)" "/etc/resolv.conf has 10.77.4.56"
check "stop $A" cc stop "$A" --fast

# ---- B: opted-out files are left untouched ----------------------------------------------------
create_ct "$B" --hostname optb.example --ipadd 10.77.4.12/24 --nameserver 10.77.4.53 --searchdomain example.com
E=$PRIV_DIR/$B/etc
ub=$(disk_root "$B")
printf '# the admin keeps this file\n# cellctl: keep\nnameserver 192.0.2.1\nsearch mine.example\n' > "$E/resolv.conf"
printf 'custom-name\n' > "$E/hostname"
chmod 0444 "$E/hostname"
printf '  # cellctl: keep\n127.0.0.1\tlocalhost mine\n' > "$E/hosts"
chown "$ub:$ub" "$E/resolv.conf" "$E/hostname" "$E/hosts"
touch -d '2020-01-02 03:04:05' "$E/resolv.conf" "$E/hostname" "$E/hosts"
declare -A fp0=()
for f in /etc/resolv.conf /etc/hostname /etc/hosts; do fp0[$f]=$(fp "$B" "$f"); done
start_ct "$B"
for f in /etc/resolv.conf /etc/hostname /etc/hosts; do
	[ "$(fp "$B" "$f")" = "${fp0[$f]}" ] && ok "start: opted-out $f untouched (content, mode, owner, inode, mtime)" ||
		fail "start: opted-out $f untouched" "before ${fp0[$f]}" "after  $(fp "$B" "$f")"
done
run cc set "$B" --hostname optb2.example --nameserver 10.77.4.99 --searchdomain other.example
[ "$RC" = 0 ] && ok "live set of hostname and DNS on $B succeeds (exit 0)" || fail "live set of hostname and DNS on $B (exit $RC)" "$OUT"
for f in /etc/resolv.conf /etc/hostname /etc/hosts; do
	[ "$(fp "$B" "$f")" = "${fp0[$f]}" ] && ok "live set: opted-out $f untouched" ||
		fail "live set: opted-out $f untouched" "before ${fp0[$f]}" "after  $(fp "$B" "$f")"
done
expect_output '^optb2\.example$' cc exec "$B" -- hostname
check "stop $B" cc stop "$B" --fast

# ---- C: a marker below line 5 does not opt out; u-w on resolv.conf does ---------------------------
create_ct "$C" --hostname optc --ipadd 10.77.4.13/24 --nameserver 10.77.4.53
E=$PRIV_DIR/$C/etc
ub=$(disk_root "$C")
printf '# 1\n# 2\n# 3\n# 4\n# 5\n# cellctl: keep\n127.0.0.1\tlocalhost\n' > "$E/hosts"
printf 'nameserver 192.0.2.7\n' > "$E/resolv.conf"
chmod 0400 "$E/resolv.conf"
chown "$ub:$ub" "$E/hosts" "$E/resolv.conf"
fr=$(fp "$C" /etc/resolv.conf)
start_ct "$C"
expect_match "^10\\.77\\.4\\.13${TAB}optc${TAB}# cellctl\$" "$(inside "$C" /etc/hosts)" "a marker on line 6 does not opt /etc/hosts out"
[ "$(fp "$C" /etc/resolv.conf)" = "$fr" ] && ok "a resolv.conf without u+w (0400) is untouched" || fail "a resolv.conf without u+w is untouched" "$fr" "$(fp "$C" /etc/resolv.conf)"
check "stop $C" cc stop "$C" --fast

for c in "$A" "$B" "$C"; do run cc destroy "$c"; done
finish

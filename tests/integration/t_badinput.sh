#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 2, acceptance 6: bad input gives its documented exit code and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)

# Nothing of CTID anywhere: no private area, no config, no temp dir in private_dir or config_dir.
nothing_of() {
	local id=$1 what=$2 left
	left=$( (ls -A "$PRIV_DIR"; ls -A "$CONF_DIR" | grep -v '\.destroyed$') 2>/dev/null)
	if [ -z "$left" ]; then ok "$what: no private area, config or temp dir left"; else fail "$what: no private area, config or temp dir left" "$left"; fi
	is_deleted "$id" && ok "$what: status says deleted" || fail "$what: status says deleted" "$(ct_status "$id")"
	run cc list -a -H -o ctid
	printf '%s\n' "$OUT" | grep -qw "$id" && fail "$what: list -a does not show $id" "$OUT" || ok "$what: list -a does not show $id"
}

# ---- invalid CTIDs: 20 ------------------------------------------------------------------
for bad in abc 0 1 100 -5 2147483648 99999999999 12x ""; do
	expect_exit 20 cc create "$bad"
done
expect_exit 20 cc start abc
expect_exit 20 cc status 12x
expect_exit 20 cc destroy 0
expect_exit 20 cc exec abc -- true
nothing_of "$CT" "invalid CTIDs"

# ---- unknown template: 91; unknown sample: 14 ---------------------------------------------
use_ct "$CT"
expect_exit 91 cc create "$CT" --ostemplate no-such-template
nothing_of "$CT" "unknown template"
expect_exit 14 cc create "$CT" --config no-such-sample
nothing_of "$CT" "unknown sample"
# a config on a sample that does exist works
s=$(ls "$SRCDIR"/conf/ve-*.conf-sample 2>/dev/null | head -1)
if [ -n "$s" ]; then
	s=${s##*/ve-}
	s=${s%.conf-sample}
	create_ct "$CT" --config "$s"
	check "destroy $CT" cc destroy "$CT"
fi

# ---- existing CTID: 44 --------------------------------------------------------------------
create_ct "$CT"
expect_exit 44 cc create "$CT"
[ -f "$CONF_DIR/$CT.conf" ] && [ -d "$PRIV_DIR/$CT" ] && ok "the existing container is intact" || fail "the existing container is intact"

# ---- start of a running container: 32; destroy of a running container: 32 -----------------
start_ct "$CT"
expect_exit 32 cc start "$CT"
expect_exit 32 cc destroy "$CT"
expect_output '^CTID '"$CT"' exist running$' cc status "$CT"
[ -d "$PRIV_DIR/$CT/bin" ] && ok "destroy refused: private area intact" || fail "destroy refused: private area intact"
check "stop $CT" cc stop "$CT" --fast
expect_exit 31 cc exec "$CT" true

# ---- malformed config line: 85, message names file:line ------------------------------------
cp "$CONF_DIR/$CT.conf" "$TMPD/good.conf"
echo "this line is not ini at all" >> "$CONF_DIR/$CT.conf"
line=$(wc -l < "$CONF_DIR/$CT.conf")
expect_exit 85 cc start "$CT"
expect_match "$CT\\.conf:$line" "$OUT" "the message names $CT.conf:$line"
is_running "$CT" && fail "a malformed config does not start" || ok "a malformed config does not start"
cp "$TMPD/good.conf" "$CONF_DIR/$CT.conf"
printf '[resources]\nram = 64Q\n' >> "$CONF_DIR/$CT.conf"
run cc start "$CT"
[ "$RC" = 21 ] || [ "$RC" = 85 ] && ok "a bad value in the config is refused ($RC)" || fail "a bad value in the config is refused with 21 or 85 (got $RC)" "$OUT"
expect_match "\\[resources\\] ram: invalid value '64Q': expected a size of at least 1M such as 512M, 12G" "$OUT" \
	"the config error names the key, the value and the accepted form"
cp "$TMPD/good.conf" "$CONF_DIR/$CT.conf"
# a malformed global config: 85 with file:line
cp "$CONF" "$TMPD/bad-global.conf"
echo "[paths" >> "$TMPD/bad-global.conf"
line=$(wc -l < "$TMPD/bad-global.conf")
run env CELLCTL_CONF="$TMPD/bad-global.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" status "$CT"
[ "$RC" = 85 ] && ok "malformed global config: exit 85" || fail "malformed global config: exit 85 (got $RC)" "$OUT"
expect_match "bad-global\\.conf:$line" "$OUT" "the message names bad-global.conf:$line"
run env CELLCTL_CONF="$TMPD/no-such.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" status "$CT"
[ "$RC" = 10 ] && ok "missing \$CELLCTL_CONF: exit 10" || fail "missing \$CELLCTL_CONF: exit 10 (got $RC)" "$OUT"
check "destroy $CT" cc destroy "$CT"
rm -f "$CONF_DIR/$CT.conf.destroyed"

# ---- bad option values: 20/21 ------------------------------------------------------------
run cc create "$CT" --userns maybe
[ "$RC" = 21 ] || [ "$RC" = 20 ] && ok "--userns maybe refused ($RC)" || fail "--userns maybe refused with 20/21 (got $RC)" "$OUT"
nothing_of "$CT" "bad --userns value"
run cc create "$CT" --no-such-option 1
[ "$RC" = 20 ] && ok "unknown option: 20" || fail "unknown option: 20 (got $RC)" "$OUT"
nothing_of "$CT" "unknown option"

# ---- value errors name the accepted form (issue 10): one of each kind of parameter --------
# option value exit regex-of-the-message
value_errors=(
	"ram|12Q|21|--ram: '12Q': expected a size of at least 1M such as 512M, 12G or 1048576K \\(K M G T are powers of 1024, P counts 4 KiB pages"
	"ram|64K|21|--ram: '64K' is out of range: expected a size of at least 1M"
	"numproc|100:x|21|expected a number of processes such as 256, or barrier:limit such as 200:256"
	"diskspace|2G:1G|21|'2G:1G' is out of range: expected soft\\[:hard\\] sizes such as 10G or 9G:10G"
	"cpulimit|0%|21|'0%' is out of range: expected a percentage of one CPU .* from 1% to 100%"
	"cpuunits|7|21|'7' is out of range: expected a number from 8 to 500000"
	"onboot|maybe|21|'maybe': expected yes or no"
	"cpumask|3-1|21|'3-1': expected CPU numbers and ranges .* such as 0-2,7"
	"devices|q:10:200:rw|86|expected rules b\\|c:MAJOR:MINOR:PERMS or all:PERMS.* such as c:10:200:rw"
	"capability|bogus:on|21|expected name:on or name:off.* such as net_admin:on,sys_time:off"
	"iolimit|fast|148|'fast': expected bytes per second such as 10M"
	"ipadd|10.1.2.300|71|expected an IPv4 or IPv6 address with an optional /prefix, such as 10.77.0.101/24"
	"hostname|-bad-|70|expected a host name"
)
for e in "${value_errors[@]}"; do
	IFS='|' read -r opt val code re <<< "$e"
	run cc create "$CT" "--$opt" "$val"
	if [ "$RC" = "$code" ] && printf '%s\n' "$OUT" | grep -Eq -- "$re"; then
		ok "create --$opt $val: exit $code, the message names the accepted form"
	else
		fail "create --$opt $val: exit $code and /$re/" "exit $RC: $OUT"
	fi
done
nothing_of "$CT" "bad parameter values"

# ---- a template without an init: 47 --------------------------------------------------------
mkdir -p "$TMPD/noinit"
unpack_busybox "$TMPD/noinit"
rm -f "$TMPD/noinit/sbin/init" "$TMPD/noinit/etc/init" "$TMPD/noinit/bin/init"
tar -C "$TMPD/noinit" --numeric-owner -czf "$TPL_DIR/cache/noinit.tar.gz" .
run cc create "$CT" --ostemplate noinit
if [ "$RC" = 47 ]; then
	ok "create from a template without an init: 47"
	nothing_of "$CT" "template without init"
elif [ "$RC" = 0 ]; then
	expect_exit 47 cc start "$CT"
	expect_match 'init' "$OUT" "the message says init is missing"
	is_down "$CT" && ok "no init: the container is down" || fail "no init: the container is down" "$(ct_status "$CT")"
	monitor_pid "$CT" >/dev/null && fail "no init: no monitor left" || ok "no init: no monitor left"
	leak_check "after a start without init"
	check "destroy $CT" cc destroy "$CT"
	rm -f "$CONF_DIR/$CT.conf.destroyed"
else
	fail "a template without an init: 47 at create or at start (create gave $RC)" "$OUT"
	cc destroy "$CT" >/dev/null 2>&1
	rm -f "$CONF_DIR/$CT.conf.destroyed"
fi
# an init that is not executable
rm -rf "$TMPD/noinit"
mkdir -p "$TMPD/badinit"
unpack_busybox "$TMPD/badinit"
rm -f "$TMPD/badinit/sbin/init"
printf 'not an executable\n' > "$TMPD/badinit/sbin/init"
chmod 644 "$TMPD/badinit/sbin/init"
tar -C "$TMPD/badinit" --numeric-owner -cJf "$TPL_DIR/cache/badinit.tar.xz" .
rm -rf "$TMPD/badinit"
run cc create "$CT" --ostemplate badinit
if [ "$RC" = 0 ]; then
	expect_exit 47 cc start "$CT"
	is_down "$CT" && ok "non-executable init: down" || fail "non-executable init: down" "$(ct_status "$CT")"
	cc destroy "$CT" >/dev/null 2>&1
	rm -f "$CONF_DIR/$CT.conf.destroyed"
else
	expect_match '^47$' "$RC" "non-executable init refused with 47 at create"
	nothing_of "$CT" "non-executable init"
fi

# ---- corrupt and truncated templates -------------------------------------------------------
head -c 300000 /dev/urandom > "$TPL_DIR/cache/corrupt.tar.gz"
run cc create "$CT" --ostemplate corrupt
[ "$RC" != 0 ] && ok "create from a corrupt template fails ($RC)" || fail "create from a corrupt template fails"
[ "$RC" = 47 ] || warn "corrupt template gave exit $RC (47 expected: bad template)"
nothing_of "$CT" "corrupt template"
sz=$(stat -c %s "$BUSYBOX_TPL")
ext=${BUSYBOX_TPL##*/busybox}
head -c $((sz / 2)) "$BUSYBOX_TPL" > "$TPL_DIR/cache/truncated$ext"
run cc create "$CT" --ostemplate truncated
[ "$RC" != 0 ] && ok "create from a truncated template ($ext) fails ($RC)" || fail "create from a truncated template fails"
nothing_of "$CT" "truncated template"
# truncated inside an uncompressed tar: cut in the middle of a file's data
mkdir -p "$TMPD/tr"
unpack_busybox "$TMPD/tr"
tar -C "$TMPD/tr" --numeric-owner -cf "$TMPD/full.tar" .
rm -rf "$TMPD/tr"
head -c $(($(stat -c %s "$TMPD/full.tar") * 2 / 3)) "$TMPD/full.tar" > "$TPL_DIR/cache/trunctar.tar"
rm -f "$TMPD/full.tar"
run cc create "$CT" --ostemplate trunctar
[ "$RC" != 0 ] && ok "create from a truncated plain tar fails ($RC)" || fail "create from a truncated plain tar fails"
nothing_of "$CT" "truncated plain tar"

# ---- ../ and absolute paths, and writing through a symlink: nothing written outside --------
mkdir -p "$TMPD/outside"
uniq=cct-escape-$CCT_ID
python3 - "$TPL_DIR/cache/evil.tar" "$TMPD" "$uniq" "$BUSYBOX_TPL" <<'PY'
import io, sys, tarfile, subprocess
out, tmpd, uniq, base = sys.argv[1:5]
def add(t, name, data=b"escaped\n", **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data))
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    # a real init first, so that only the hostile entries can make it fail
    src = tarfile.open(fileobj=io.BytesIO(subprocess.run(["zstd", "-dc", base], capture_output=True).stdout)) if base.endswith(".zst") else tarfile.open(base)
    for m in src.getmembers():
        if m.isfile(): t.addfile(m, src.extractfile(m))
        else: t.addfile(m)
    add(t, "../%s-dotdot1" % uniq)
    add(t, "../../%s-dotdot2" % uniq)
    add(t, "./../../../%s-dotdot3" % uniq)
    add(t, "etc/../../%s-dotdot4" % uniq)
    add(t, "%s/outside/%s-absolute" % (tmpd, uniq))
    ln = tarfile.TarInfo("escape-link"); ln.type = tarfile.SYMTYPE; ln.linkname = tmpd + "/outside"; t.addfile(ln)
    add(t, "escape-link/%s-through-symlink" % uniq)
    ln = tarfile.TarInfo("escape-rel"); ln.type = tarfile.SYMTYPE; ln.linkname = "../../outside"; t.addfile(ln)
    add(t, "escape-rel/%s-through-relsymlink" % uniq)
    hl = tarfile.TarInfo("escape-hard"); hl.type = tarfile.LNKTYPE; hl.linkname = tmpd + "/outside/victim"; t.addfile(hl)
PY
echo "victim" > "$TMPD/outside/victim"
run cc create "$CT" --ostemplate evil
echo "# create from the hostile template: exit $RC: $OUT"
found=$(find "$TMPD" /tmp -maxdepth 4 -name "$uniq-*" -not -path "$PRIV_DIR/$CT/*" 2>/dev/null)
[ -z "$found" ] && ok "hostile template: nothing written outside the private area" || fail "hostile template: nothing written outside" "$found"
rm -f $found 2>/dev/null
[ "$(cat "$TMPD/outside/victim")" = victim ] && [ "$(stat -c %h "$TMPD/outside/victim")" = 1 ] &&
	ok "hostile template: hard link to a host file refused" || fail "hostile template: a host file got a hard link or changed"
[ -z "$(ls "$TMPD/outside" | grep -v '^victim$')" ] && ok "hostile template: outside/ untouched" || fail "hostile template: outside/ untouched" "$(ls -la "$TMPD/outside")"
if [ "$RC" = 0 ]; then
	warn "the hostile template was accepted (entries skipped); 47 would be stricter"
	cc destroy "$CT" >/dev/null 2>&1
	rm -f "$CONF_DIR/$CT.conf.destroyed"
	[ "$(cat "$TMPD/outside/victim" 2>/dev/null)" = victim ] && ok "destroy left the host file alone" || fail "destroy removed or changed a host file"
else
	[ "$RC" = 47 ] && ok "hostile template refused with 47" || warn "hostile template refused with $RC (47 expected)"
	nothing_of "$CT" "hostile template"
fi

finish

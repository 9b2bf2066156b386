#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, provisioning: set --userpasswd (stopped and running, from the command line and from
# standard input; the hash checked on the host and inside the guest with busybox mkpasswd; the
# shadow file's owner and mode kept; a symlinked or missing /etc/shadow refused; the password in
# no config, log or state file, and gone from /proc/PID/cmdline while cellctl still runs),
# set --ssh-key / --ssh-user (.ssh 0700 and authorized_keys 0600 owned by the user inside, shifted
# on the host; no duplicate line; a symlinked .ssh refused), and container names (create --name,
# commands by name, a duplicate refused, rename keeps the rest of the config). Layout copy; a
# layout overlay container too when the host can make one: stopped (written into its upper layer,
# /etc and /root copied up from the tree; a whiteout is a missing file) and running.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
D=$(ctid 4)

conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
shadow_hash() { awk -F: -v u="$2" '$1 == u { print $2 }' "$PRIV_DIR/$1/etc/shadow"; }
shadow_day() { awk -F: -v u="$2" '$1 == u { print $3 }' "$PRIV_DIR/$1/etc/shadow"; }
# host_verify PASSWORD HASH: yes when crypt(3) on the host gives HASH again
host_verify() { perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "yes" : "no"' "$1" "$2"; }
# no_secret DESC SECRET: the password is in no file cellctl keeps (configs, running state, log)
no_secret() {
	local hits
	hits=$(grep -rlF -- "$2" "$CONF_DIR" "$RUN_DIR" "$LOG_FILE" 2>/dev/null)
	[ -z "$hits" ] && ok "the password is in no config, state or log file ($1)" ||
		fail "the password is in no config, state or log file ($1)" "$hits"
}

# ---- passwords, stopped ------------------------------------------------------------------------
create_ct "$A" --hostname prov-a --name web-a
base=$(disk_root "$A") # the container's root on disk: its uid_base, or 0 with ownership mapped
SH=$PRIV_DIR/$A/etc/shadow
st0=$(stat -c '%u:%g %a' "$SH")
nobody0=$(grep '^nobody:' "$SH")
PW1='S3cret:with spaces & $dollars'
t0=$(date +%s%N)
check "set --userpasswd on the stopped container" cc set "$A" --userpasswd "root:$PW1"
log "figure: set --userpasswd (stopped, SHA-512) took $((($(date +%s%N) - t0) / 1000000)) ms"
expect_match "Password of user root in CT $A set" "$OUT" "set says the password was set"
h=$(shadow_hash "$A" root)
expect_match '^\$6\$[./0-9A-Za-z]+\$[./0-9A-Za-z]{86}$' "$h" "a SHA-512 hash in root's shadow line ($h)"
expect_match '^yes$' "$(host_verify "$PW1" "$h")" "crypt(3) on the host verifies the password against it"
expect_match "^$(($(date +%s) / 86400))\$" "$(shadow_day "$A" root)" "the last-change field is today"
expect_match "^$st0\$" "$(stat -c '%u:%g %a' "$SH")" "/etc/shadow keeps its owner and mode ($st0, shifted ids)"
[ "$(grep '^nobody:' "$SH")" = "$nobody0" ] && ok "the other lines are kept ($nobody0)" || fail "the other lines are kept"
[ -z "$(find "$PRIV_DIR/$A/etc" -name '.#*')" ] && ok "no temp file left in /etc" || fail "no temp file left in /etc"
no_secret "stopped" "$PW1"
expect_match 'password of user root set' "$(cat "$LOG_FILE")" "the log records that root's password was set"
expect_match '^$' "$(conf_get "$A" userpasswd)" "no userpasswd key in the config"

PW2='from-stdin-pw'
run sh -c "printf '%s\n' '$PW2' | nsenter --net=/run/netns/$NS -- $CELLCTL set $A --userpasswd root:-"
[ "$RC" = 0 ] && ok "--userpasswd root:- reads the password from standard input" || fail "--userpasswd root:- (exit $RC)" "$OUT"
expect_match '^yes$' "$(host_verify "$PW2" "$(shadow_hash "$A" root)")" "the password from stdin is the one set"
run sh -c "nsenter --net=/run/netns/$NS -- $CELLCTL set $A --userpasswd root:- < /dev/null"
[ "$RC" = 21 ] && ok "root:- with an empty stdin: exit 21" || fail "root:- with an empty stdin: exit 21 (got $RC)" "$OUT"

printf 'UMASK 022\nENCRYPT_METHOD YESCRYPT\n' > "$PRIV_DIR/$A/etc/login.defs"
check "set --userpasswd with ENCRYPT_METHOD YESCRYPT in login.defs" cc set "$A" --userpasswd "root:$PW1"
h=$(shadow_hash "$A" root)
expect_match '^\$y\$' "$h" "the guest's login.defs asks for yescrypt: a \$y\$ hash ($h)"
expect_match '^yes$' "$(host_verify "$PW1" "$h")" "crypt(3) on the host verifies the yescrypt hash"
rm -f "$PRIV_DIR/$A/etc/login.defs"

expect_exit 12 cc set "$A" --userpasswd "nosuch:$PW1"
expect_match 'no user nosuch' "$OUT" "a missing user is named: $OUT"
# parameters with a failing account change: applied, and the output says so
expect_exit 12 cc set "$A" --hostname halfway.example --userpasswd "nosuch:$PW1" --save
expect_match 'other parameters of this set were applied and saved' "$OUT" "a half-done set says what was applied"
expect_match 'halfway.example' "$(grep -i hostname "$CONF_DIR/$A.conf")" "the parameters of a half-done set are saved"
check "hostname back" cc set "$A" --hostname prov-a --save
expect_exit 21 cc set "$A" --userpasswd "rootPW-no-colon"
expect_exit 21 cc set "$A" --userpasswd "root:"
expect_exit 21 cc set "$A" --userpasswd "bad user:x$PW1"
[[ "$OUT" != *"$PW1"* ]] && ok "a refused --userpasswd does not print the password" || fail "a refused --userpasswd printed the password" "$OUT"
no_secret "after the refusals" "$PW1"

# ---- the command line: the password is gone from /proc/PID/cmdline while cellctl runs -----------
# cellctl's stdout is a FIFO filled to capacity: it blocks at its final flush, after the work
PW3='cmdline-secret-42'
FIFO=$TMPD/out.fifo
mkfifo "$FIFO"
exec {ffd}<>"$FIFO"
head -c 65536 /dev/zero >&$ffd
mt0=$(stat -c %Y.%i "$SH")
nsenter --net="/run/netns/$NS" -- "$CELLCTL" set "$A" --userpasswd "root:$PW3" >&$ffd 2>&1 &
spid=$!
BG_PIDS+=("$spid")
wait_for 10 sh -c "[ \"\$(stat -c %Y.%i '$SH')\" != '$mt0' ]"
sleep 0.3
cmdline=$(tr '\0' ' ' < "/proc/$spid/cmdline" 2>/dev/null)
expect_match 'set .*--userpasswd root:' "$cmdline" "cellctl is still running, blocked on its output ($cmdline)"
[[ "$cmdline" != *"$PW3"* ]] && ok "the password is not in /proc/PID/cmdline after parsing" ||
	fail "the password is not in /proc/PID/cmdline after parsing" "$cmdline"
head -c 65536 <&$ffd >/dev/null
wait "$spid"
src=$?
BG_PIDS=("${BG_PIDS[@]/$spid/}") # waited for: its pid may be anyone's now
exec {ffd}>&-
[ "$src" = 0 ] && ok "that set exits 0" || fail "that set exits 0 (got $src)"
expect_match '^yes$' "$(host_verify "$PW3" "$(shadow_hash "$A" root)")" "and set the password"

# ---- running: the guest sees the new hash, and busybox mkpasswd inside agrees ---------------------
start_ct "$A"
PW4='running-pw-7'
check "set --userpasswd on the running container" cc set "$A" --userpasswd "root:$PW4"
run cc exec "$A" -- sh -c "grep '^root:' /etc/shadow | cut -d: -f2"
h=$OUT
salt=$(printf '%s' "$h" | cut -d'$' -f3)
expect_match '^\$6\$' "$h" "inside, root's shadow line has the new SHA-512 hash"
run cc exec "$A" -- busybox mkpasswd -m sha512 "$PW4" "$salt"
[ -n "$h" ] && [ "$OUT" = "$h" ] && ok "inside: mkpasswd of the password with that salt gives the stored hash (a login would take it)" ||
	fail "inside: mkpasswd gives the stored hash" "stored: $h" "mkpasswd: $OUT"
run cc exec "$A" -- busybox mkpasswd -m sha512 "wrong-$PW4" "$salt"
[ "$OUT" != "$h" ] && ok "inside: a wrong password does not match" || fail "inside: a wrong password does not match"
expect_output "^0 0 640 " cc exec "$A" -- stat -c '%u %g %a %F' /etc/shadow
no_secret "running" "$PW4"

# ---- a symlinked, missing or odd /etc/shadow is refused ------------------------------------------
create_ct "$B" --hostname prov-b --name web-b
HOSTF=$TMPD/host-shadow
printf 'root:HOSTFILE:1:0:99999:7:::\n' > "$HOSTF"
fp() { stat -c '%i %s %Y' "$HOSTF"; sha256sum < "$HOSTF"; }
fp0=$(fp)
mv "$PRIV_DIR/$B/etc/shadow" "$PRIV_DIR/$B/etc/shadow.real"
ln -s "$HOSTF" "$PRIV_DIR/$B/etc/shadow"
expect_exit 12 cc set "$B" --userpasswd "root:$PW1"
expect_match 'symbolic link' "$OUT" "a symlinked /etc/shadow (absolute, to a host file) is refused: $OUT"
[ -L "$PRIV_DIR/$B/etc/shadow" ] && [ "$(fp)" = "$fp0" ] && ok "the link and the host file are untouched" ||
	fail "the link and the host file are untouched"
rm "$PRIV_DIR/$B/etc/shadow"
ln -s shadow.real "$PRIV_DIR/$B/etc/shadow"
expect_exit 12 cc set "$B" --userpasswd "root:$PW1"
expect_match 'symbolic link' "$OUT" "a relative symlink inside the guest is refused too"
rm "$PRIV_DIR/$B/etc/shadow"
mkfifo "$PRIV_DIR/$B/etc/shadow"
expect_exit 12 cc set "$B" --userpasswd "root:$PW1"
expect_match 'not a regular file' "$OUT" "a FIFO as /etc/shadow is refused without opening it"
rm "$PRIV_DIR/$B/etc/shadow"
printf 'root:x:1:0:99999:7:::\n\0bob:x:1:0:99999:7:::\n' > "$PRIV_DIR/$B/etc/shadow"
sum0=$(sha256sum < "$PRIV_DIR/$B/etc/shadow")
expect_exit 12 cc set "$B" --userpasswd "root:$PW1"
expect_match 'NUL byte' "$OUT" "an /etc/shadow holding a NUL byte is refused: $OUT"
[ "$(sha256sum < "$PRIV_DIR/$B/etc/shadow")" = "$sum0" ] && ok "its lines after the NUL byte are not dropped" ||
	fail "its lines after the NUL byte are not dropped"
rm "$PRIV_DIR/$B/etc/shadow"
expect_exit 12 cc set "$B" --userpasswd "root:$PW1"
expect_match "has no /etc/shadow" "$OUT" "a guest without /etc/shadow: $OUT"
mv "$PRIV_DIR/$B/etc/shadow.real" "$PRIV_DIR/$B/etc/shadow"

# ---- SSH keys ------------------------------------------------------------------------------------
KEY=$TMPD/id_test
ssh-keygen -q -t ed25519 -N '' -C prov@test -f "$KEY" >/dev/null 2>&1 ||
	printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f prov@test\n' > "$KEY.pub"
pub=$(cat "$KEY.pub")
check "set --ssh-key for root (running)" cc set "$A" --ssh-key "$KEY.pub"
expect_output '^700 0 0 directory$' cc exec "$A" -- stat -c '%a %u %g %F' /root/.ssh
expect_output '^600 0 0 regular file$' cc exec "$A" -- stat -c '%a %u %g %F' /root/.ssh/authorized_keys
expect_match "^$base:$base\$" "$(stat -c %u:%g "$PRIV_DIR/$A/root/.ssh/authorized_keys")" "on the host: owned by the root on disk ($base)"
expect_output "^${pub//+/\\+}\$" cc exec "$A" -- cat /root/.ssh/authorized_keys
check "the same key again" cc set "$A" --ssh-key "$KEY.pub"
expect_match 'already' "$OUT" "set says the key is there already"
expect_output '^1$' cc exec "$A" -- sh -c 'grep -c ssh-ed25519 /root/.ssh/authorized_keys'

check "add user web inside" cc exec "$A" -- sh -c 'echo "web:x:1000:1001::/home/web:/bin/sh" >> /etc/passwd &&
	mkdir -p /home/web && chown 1000:1001 /home/web'
check "set --ssh-key --ssh-user web" cc set "$A" --ssh-key "$KEY.pub" --ssh-user web
expect_output '^700 1000 1001$' cc exec "$A" -- stat -c '%a %u %g' /home/web/.ssh
expect_output '^600 1000 1001$' cc exec "$A" -- stat -c '%a %u %g' /home/web/.ssh/authorized_keys
expect_match "^$((base + 1000)):$((base + 1001))\$" "$(stat -c %u:%g "$PRIV_DIR/$A/home/web/.ssh/authorized_keys")" \
	"on the host: the user's ids on disk (shifted, or as inside with ownership mapped)"
# an existing file keeps its owner and mode; a second key is appended
printf 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAABQDA/+4B other\n' > "$TMPD/other.pub"
cc exec "$A" -- chmod 640 /home/web/.ssh/authorized_keys
check "a second key for web" cc set "$A" --ssh-key "$TMPD/other.pub" --ssh-user web
expect_output '^640 1000 1001 2$' cc exec "$A" -- sh -c 'echo $(stat -c "%a %u %g" /home/web/.ssh/authorized_keys) $(grep -c . /home/web/.ssh/authorized_keys)'
# a user's .ssh that is a symlink to root's: refused (root's keys never change through it)
check "add user evil with ~/.ssh -> /root/.ssh" cc exec "$A" -- sh -c 'echo "evil:x:1002:1002::/home/evil:/bin/sh" >> /etc/passwd &&
	mkdir -p /home/evil && ln -s /root/.ssh /home/evil/.ssh && chown -h 1002:1002 /home/evil /home/evil/.ssh'
rk0=$(cc exec "$A" -- cat /root/.ssh/authorized_keys)
expect_exit 12 cc set "$A" --ssh-key "$TMPD/other.pub" --ssh-user evil
expect_match 'symbolic link' "$OUT" "a symlinked ~/.ssh is refused: $OUT"
[ "$(cc exec "$A" -- cat /root/.ssh/authorized_keys)" = "$rk0" ] && ok "root's authorized_keys unchanged" ||
	fail "root's authorized_keys unchanged"
# with parameters in one command, the options before the container's name
check "set --description ... --save --ssh-key ... NAME" cc set --description "provisioned" --save --ssh-key "$TMPD/other.pub" web-a
expect_match 'Saved parameters' "$OUT" "the parameter is saved ($OUT)"
expect_match 'SSH key added' "$OUT" "and the key added"
expect_match '^provisioned$' "$(conf_get "$A" description)" "description saved beside --ssh-key"
expect_output '^2$' cc exec "$A" -- sh -c 'grep -c . /root/.ssh/authorized_keys'
# a bad parameter beside --ssh-key: nothing is done
expect_exit 21 cc set "$A" --ram bogus --userpasswd "root:never-set"
expect_match '^yes$' "$(host_verify "$PW4" "$(cc exec "$A" -- sh -c "grep '^root:' /etc/shadow | cut -d: -f2")")" \
	"a refused parameter leaves the password as it was"
expect_exit 12 cc set "$A" --ssh-key "$KEY.pub" --ssh-user nosuch
expect_exit 21 cc set "$A" --ssh-key "$KEY"
expect_match 'not one public key' "$OUT" "a private key file is refused: $OUT"
printf '%s\n%s\n' "$pub" "$pub" > "$TMPD/two.pub"
expect_exit 21 cc set "$A" --ssh-key "$TMPD/two.pub"
expect_exit 20 cc set "$A" --ssh-user web
# stopped, layout copy: written in the private area
check "set --ssh-key on the stopped container" cc set "$B" --ssh-key "$KEY.pub"
expect_match "^700 $base:$base|^700 [0-9]+:[0-9]+" "$(stat -c '%a %u:%g' "$PRIV_DIR/$B/root/.ssh")" "stopped: /root/.ssh made 0700"
bbase=$(disk_root "$B")
expect_match "^600 $bbase:$bbase\$" "$(stat -c '%a %u:%g' "$PRIV_DIR/$B/root/.ssh/authorized_keys")" \
	"stopped: authorized_keys 0600, owned by the container's root on disk ($bbase)"

# ---- names ---------------------------------------------------------------------------------------
expect_match '^web-a$' "$(conf_get "$A" name)" "create --name records the name"
expect_exit 21 cc create "$C" --name web-a
expect_match "is the name of CT $A" "$OUT" "create with a name in use is refused: $OUT"
[ ! -e "$CONF_DIR/$C.conf" ] && ok "and creates nothing" || fail "the refused create made $C.conf"
expect_exit 21 cc create "$C" --name 12345
expect_exit 21 cc create "$C" --name -web
expect_exit 20 cc create web-new
t0=$(date +%s%N)
expect_output "^CTID $A exist running\$" cc status web-a
t1=$(date +%s%N)
cc status "$A" >/dev/null
log "figure: status by name $((($t1 - t0) / 1000000)) ms, by CTID $((($(date +%s%N) - t1) / 1000000)) ms (2 containers)"
expect_output "^CTID $B exist down\$" cc status web-b
expect_output '^prov-a$' cc exec web-a -- hostname
check "start by name" cc start web-b
expect_output "^CTID $B exist running\$" cc status web-b
check "set --userpasswd by name" cc set web-b --userpasswd "root:$PW1"
expect_match '^yes$' "$(host_verify "$PW1" "$(shadow_hash "$B" root)")" "the password of the container named web-b"
run cc list -H -o ctid,name
expect_match "^ *$A +web-a *\$" "$OUT" "list -o name shows the names"
expect_exit 21 cc set "$A" --name web-b --save
expect_match "is the name of CT $B" "$OUT" "renaming to a name in use is refused: $OUT"
cp "$CONF_DIR/$B.conf" "$TMPD/b.conf.before"
check "rename web-b to web-c" cc set web-b --name web-c --save
d=$(diff "$TMPD/b.conf.before" "$CONF_DIR/$B.conf" | grep '^[<>]' | tr '\n' ' ')
expect_match '^< name *= *web-b > name *= *web-c $' "$d" "the rename changes the name line only ($d)"
expect_output "^CTID $B exist running\$" cc status web-c
expect_exit 20 cc status web-b
expect_match "invalid CTID 'web-b'.*no container has that name" "$OUT" "the old name is gone: $OUT"
check "stop by the new name" cc stop web-c
check "a container may set its own name again" cc set "$B" --name web-c --save
check "remove the name" cc set "$B" --name "" --save
expect_exit 20 cc status web-c
check "create --name with the freed name" cc create "$C" --name web-c
use_ct "$C"
expect_output "^CTID $C exist down\$" cc status web-c
check "destroy by name" cc destroy web-c
expect_output "^CTID $C deleted\$" cc status "$C"

# ---- layout overlay: stopped (the upper layer over the template tree) and running ----------------
use_ct "$D"
run cc create "$D" --layout overlay
if [ "$RC" != 0 ]; then
	warn "layout overlay not available here: its part skipped ($OUT)"
else
	dbase=$(conf_get "$D" uid_base)
	U=$PRIV_DIR/$D/upper
	[ ! -e "$U/etc" ] && ok "overlay: a new container's upper layer has no /etc yet" || warn "overlay: $U/etc exists before the first start"
	check "set --userpasswd on a stopped overlay container" cc set "$D" --userpasswd "root:$PW1"
	expect_match '^yes$' "$(host_verify "$PW1" "$(awk -F: '$1 == "root" { print $2 }' "$U/etc/shadow")")" \
		"stopped overlay: /etc/shadow written into the upper layer"
	expect_match "^640 $dbase:$dbase\$" "$(stat -c '%a %u:%g' "$U/etc/shadow")" \
		"stopped overlay: the copied-up shadow keeps the tree's mode, owned by the shifted root"
	expect_match "^755 $dbase:$dbase\$" "$(stat -c '%a %u:%g' "$U/etc")" "stopped overlay: /etc copied up with its mode, shifted"
	check "set --ssh-key on a stopped overlay container" cc set "$D" --ssh-key "$KEY.pub"
	expect_match "^700 $dbase:$dbase / 700 $dbase:$dbase / 600 $dbase:$dbase\$" \
		"$(stat -c '%a %u:%g' "$U/root" "$U/root/.ssh" "$U/root/.ssh/authorized_keys" | paste -sd/ | sed 's|/| / |g')" \
		"stopped overlay: /root copied up, .ssh 0700 and authorized_keys 0600, shifted"
	start_ct "$D"
	run cc exec "$D" -- sh -c "grep '^root:' /etc/shadow | cut -d: -f2"
	expect_match '^yes$' "$(host_verify "$PW1" "$OUT")" "started: the guest sees the password set while it was stopped"
	expect_output '^0 0 640$' cc exec "$D" -- stat -c '%u %g %a' /etc/shadow
	expect_output "^${pub//+/\\+}\$" cc exec "$D" -- cat /root/.ssh/authorized_keys
	expect_output '^600 0 0$' cc exec "$D" -- stat -c '%a %u %g' /root/.ssh/authorized_keys
	PW5='overlay-running-pw'
	check "set --userpasswd on a running overlay container" cc set "$D" --userpasswd "root:$PW5"
	run cc exec "$D" -- sh -c "grep '^root:' /etc/shadow | cut -d: -f2"
	expect_match '^yes$' "$(host_verify "$PW5" "$OUT")" "running overlay: the guest's /etc/shadow has the new hash"
	check "set --ssh-key (another) on a running overlay container" cc set "$D" --ssh-key "$TMPD/other.pub"
	expect_output '^2 600 0 0$' cc exec "$D" -- sh -c 'echo $(grep -c . /root/.ssh/authorized_keys) $(stat -c "%a %u %g" /root/.ssh/authorized_keys)'
	# removed inside (a whiteout over the tree's file): stopped, it is missing
	check "remove /etc/shadow inside" cc exec "$D" -- rm -f /etc/shadow
	check "stop $D" cc stop "$D"
	expect_exit 12 cc set "$D" --userpasswd "root:$PW1"
	expect_match 'has no /etc/shadow' "$OUT" "stopped overlay: a shadow removed inside (whiteout) is missing: $OUT"
	# a whiteout in a directory the tree lacks (/root/.ssh is the upper layer's own): missing too
	rm -f "$U/root/.ssh/authorized_keys"
	mknod "$U/root/.ssh/authorized_keys" c 0 0
	check "stopped overlay: set --ssh-key over a whited-out authorized_keys" cc set "$D" --ssh-key "$KEY.pub"
	expect_match '^regular file 1$' "$(stat -c '%F' "$U/root/.ssh/authorized_keys") $(grep -c . "$U/root/.ssh/authorized_keys")" \
		"stopped overlay: the whiteout is replaced by a new authorized_keys"
	# a symlink in the upper layer is never followed
	rm -rf "$U/root/.ssh"
	ln -s /etc "$U/root/.ssh"
	expect_exit 12 cc set "$D" --ssh-key "$KEY.pub"
	expect_match 'symbolic link' "$OUT" "stopped overlay: a symlinked .ssh is refused: $OUT"
	[ ! -e "$U/etc/authorized_keys" ] && ok "and nothing was written through it" || fail "written through the symlinked .ssh"
fi

# both ownerships of layout copy: the key file's owner on disk follows the container's
E=$(ctid 5)
for own in shifted mapped; do
	run cc create "$E" --layout copy --ownership "$own"
	if [ "$RC" != 0 ]; then
		[ "$own" = mapped ] && grep -q 'cannot be idmapped' <<< "$OUT" && { ok "ownership mapped unavailable here: $OUT"; continue; }
		fail "create $E --ownership $own" "$OUT"
		continue
	fi
	use_ct "$E"
	check "ownership $own: set --ssh-key (stopped)" cc set "$E" --ssh-key "$KEY.pub"
	want=$(disk_root "$E")
	[ "$own" = shifted ] && [ "$want" = 0 ] && fail "ownership shifted has a block" "$(cat "$CONF_DIR/$E.conf")"
	expect_match "^600 $want:$want\$" "$(stat -c '%a %u:%g' "$PRIV_DIR/$E/root/.ssh/authorized_keys")" \
		"ownership $own: authorized_keys owned by the root on disk ($want)"
	start_ct "$E"
	expect_output '^600 0 0$' cc exec "$E" -- stat -c '%a %u %g' /root/.ssh/authorized_keys
	check "stop $E" cc stop "$E"
	check "destroy $E" cc destroy "$E"
done

check "stop $A" cc stop "$A"
no_secret "at the end" "$PW1"
no_secret "at the end" "$PW3"
finish

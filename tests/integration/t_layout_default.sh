#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 14: where neither --layout nor the sample chooses, create makes layout overlay when this
# host can ([defaults] layout = overlay, the built-in default): the private area's filesystem takes
# an upper layer and, with a user namespace, template_dir's takes an idmapped mount (probed at
# create with a throwaway user namespace). Else it falls back to a full copy, says why and records
# layout = copy. [defaults] layout = copy makes copies without a word; a bad value is refused.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)
CT2=$(ctid 2)
conf_get() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
set_default() { sed -i "s/^layout *=.*/layout     = $1/" "$CONF"; }
ms() { date +%s%N | cut -c1-13; }

# private_dir and template_dir on an ext4 image (takes an upper layer, idmappable on 5.12+), so
# that the default is the same on every kernel and /tmp: this host's, the VM's (overlayfs there)
# (private_dir not made here: the first create on a fresh host makes it, and its file system is
# the one that decides; a create that examined a missing one fell back to a copy)
ext4_dirs 96 noprivate
PRIV=$PRIV_DIR
# an overlayfs mount: it cannot be an upper layer, nor idmapped (on any kernel)
ovl_mount() {
	mkdir -p "$TMPD/$1/l" "$TMPD/$1/u" "$TMPD/$1/w" "$TMPD/$1/m"
	mount -t overlay overlay -o "lowerdir=$TMPD/$1/l,upperdir=$TMPD/$1/u,workdir=$TMPD/$1/w" "$TMPD/$1/m"
}
set_default overlay

# ---- the default, with a user namespace ------------------------------------------------------
t0=$(ms)
create_ct "$CT"
t1=$(ms)
log "default create (userns): $((t1 - t0)) ms, layout $(conf_get "$CT" layout)"
expect_match '^overlay$' "$(conf_get "$CT" layout)" "default with userns: layout overlay recorded"
expect_match '^$' "$(grep -i 'layout copy' <<< "$OUT")" "no fallback message"
[ -e "$PRIV/$CT/bin" ] && fail "no copy of the template" || ok "no copy of the template"
start_ct "$CT"
expect_output '^0 0$' cc exec "$CT" -- stat -c '%u %g' /bin/busybox
check "write inside" cc exec "$CT" -- sh -c 'echo kept > /root/f'
check "stop" cc stop "$CT"
start_ct "$CT"
expect_output '^kept$' cc exec "$CT" -- cat /root/f
check "stop" cc stop "$CT"

# ---- without: overlay needs no idmapped mount -----------------------------------------------
create_ct "$CT2" --userns no
expect_match '^overlay$' "$(conf_get "$CT2" layout)" "default without userns: layout overlay"
start_ct "$CT2"
expect_output '^ok$' cc exec "$CT2" -- echo ok
check "stop" cc stop "$CT2"
check "destroy" cc destroy "$CT2"

# ---- a template_dir that cannot be idmapped: a copy, with a user namespace only ----------------
ovl_mount tpl
mkdir -p "$TMPD/tpl/m/cache"
cp "$TPL_DIR"/cache/busybox.tar* "$TMPD/tpl/m/cache/"
sed -i "s|^template_dir *=.*|template_dir = $TMPD/tpl/m|" "$CONF"
create_ct "$CT2"
expect_match '^copy$' "$(conf_get "$CT2" layout)" "template_dir on overlayfs, userns: layout copy recorded"
expect_match 'does not support idmapped mounts' "$OUT" "and the reason is given"
start_ct "$CT2"
expect_output '^0 0$' cc exec "$CT2" -- stat -c '%u %g' /bin/busybox
check "stop" cc stop "$CT2"
check "destroy" cc destroy "$CT2"
create_ct "$CT2" --userns no
expect_match '^overlay$' "$(conf_get "$CT2" layout)" "the same template_dir without userns: layout overlay"
check "destroy" cc destroy "$CT2"
run cc template prune
sed -i "s|^template_dir *=.*|template_dir = $TMPD/ext/template|" "$CONF"
umount "$TMPD/tpl/m"

# ---- a private_dir that cannot hold an upper layer (itself an overlay) -----------------------
ovl_mount po
sed -i "s|^private_dir *=.*|private_dir  = $TMPD/po/m|" "$CONF"
create_ct "$CT2" --userns no
expect_match '^copy$' "$(conf_get "$CT2" layout)" "private_dir on overlayfs: layout copy recorded"
expect_match 'cannot hold an overlay upper layer' "$OUT" "and the reason is given"
[ -x "$TMPD/po/m/$CT2/bin/busybox" ] && ok "a full copy" || fail "a full copy"
start_ct "$CT2"
expect_output '^ok$' cc exec "$CT2" -- echo ok
check "stop" cc stop "$CT2"
check "destroy" cc destroy "$CT2"
umount "$TMPD/po/m"
sed -i "s|^private_dir *=.*|private_dir  = $PRIV|" "$CONF"

# ---- [defaults] layout = copy, and a bad value ----------------------------------------------
set_default copy
create_ct "$CT2"
expect_match '^copy$' "$(conf_get "$CT2" layout)" "[defaults] layout = copy: layout copy"
expect_match '^$' "$(grep -i 'overlay is not usable' <<< "$OUT")" "without a fallback message"
check "destroy" cc destroy "$CT2"
set_default cow
expect_exit 85 cc create "$CT2"
expect_match "\\[defaults\\] layout: invalid value 'cow'" "$OUT" "a bad [defaults] layout is named"
[ -e "$CONF_DIR/$CT2.conf" ] && fail "nothing created" || ok "nothing created"
set_default copy

check "destroy" cc destroy "$CT"
run cc template prune
umount "$TMPD/ext"
leak_check
finish

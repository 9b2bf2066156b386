#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12 (shell completion): conf/cellctl.bash-completion, driven through an interactive bash
# with COMP_WORDS/COMP_CWORD as readline would set them, offers the commands, each command's own
# options (from its option table), create's and set's parameters (from the parameter table), the
# fixed values of yes/no parameters and --format, the CTIDs and names of this world's containers,
# set --ssh-key's file name and the templates of its cache.
. "$(dirname "$0")/lib.sh"

need_template
A=$(ctid 1)
B=$(ctid 2)
leak_snapshot
create_ct "$A" --name comp-a
create_ct "$B"
COMP=$CCT_SRCDIR/conf/cellctl.bash-completion

# complete WORDS...: the candidates, one per line (the last word is the one being completed)
complete_words() {
	local words q=""
	for w in "$@"; do q="$q $(printf '%q' "$w")"; done
	CELLCTL_COMPLETION_BIN=$CELLCTL bash --norc --noprofile -i -c "
		source $(printf '%q' "$COMP")
		COMP_WORDS=($q); COMP_CWORD=\$(( \${#COMP_WORDS[@]} - 1 ))
		_cellctl; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>/dev/null | LC_ALL=C sort
}

# expect_candidates "WANTED (space separated)" WORDS...: exactly these candidates
expect_candidates() {
	local want=$1
	shift
	local got
	got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' $want | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok "complete '$*': $got"; else fail "complete '$*'" "wanted: $want
got:    $got"; fi
}
# expect_has WORD WORDS...: WORD is among the candidates
expect_has() {
	local w=$1
	shift
	if complete_words "$@" | grep -qxF -- "$w"; then ok "complete '$*' offers $w"; else
		fail "complete '$*' offers $w" "$(complete_words "$@" | tr '\n' ' ')"
	fi
}

expect_candidates "start status stop" cellctl st
expect_candidates "stop" cellctl -v sto
expect_candidates "suspend" cellctl sus
expect_has "$A" cellctl resume ""
# backup and restore-backup (issue 16): their options and values, a CTID, a file
expect_candidates "--compress --dumpdir --json --mode --output -j -o" cellctl backup "$A" -
expect_candidates "stop suspend live" cellctl backup "$A" --mode ""
expect_candidates "zstd gzip none" cellctl backup "$A" --compress ""
expect_has "$A" cellctl backup ""
mkdir -p "$TMPD/bk" && touch "$TMPD/bk/cellctl-1-x.tar.zst"
expect_candidates "$TMPD/bk/cellctl-1-x.tar.zst" cellctl restore-backup "$TMPD/bk/c"
expect_candidates "$TMPD/bk" cellctl backup "$A" --dumpdir "$TMPD/b"
expect_candidates "--force --name --precopy" cellctl restore-backup --
# chkpnt and restore (issue 16): their options, a directory for --dumpdir
expect_candidates "--dumpdir --dumpfile" cellctl chkpnt "$A" --dump
expect_candidates "--dumpdir --dumpfile" cellctl restore "$A" --dump
expect_candidates "--tcp-established" cellctl chkpnt "$A" --tcp
expect_candidates "$TMPD/bk" cellctl chkpnt "$A" --dumpdir "$TMPD/b"
# migrate (issue 16): its options, a CTID; migrate-check (plumbing) is not offered
expect_candidates "--json --keep-dst --keep-src --no-precopy --online --remove-src -j" cellctl migrate "$A" -
expect_has "$A" cellctl migrate ""
expect_candidates "migrate" cellctl migr
expect_candidates "--force --timeout --wait" cellctl start "$A" --
expect_candidates "-1 -H -N -S -a -d -j -n -o -s --all --description --hostname --json --name --name_filter --no-header --output --sort --stopped" cellctl list -
expect_candidates "list build prune commit remove" cellctl template ""
expect_candidates "yes no" cellctl set "$A" --onboot ""
expect_candidates "yes no" cellctl create "$A" --userns ""
expect_candidates "copy overlay" cellctl create "$A" --layout ""
expect_candidates "mapped shifted" cellctl create "$A" --ownership ""
expect_candidates "mapped shifted" cellctl set "$A" --ownership ""
expect_candidates "text json prom" cellctl quota-report --format ""
# lxcfs rebind: the subcommand, then running containers (none here), --all; set --lxcfs yes|no
expect_candidates "rebind" cellctl lxcfs ""
expect_candidates "" cellctl lxcfs rebind ""
expect_candidates "--all" cellctl lxcfs rebind --
expect_candidates "yes no" cellctl set "$A" --lxcfs ""
expect_candidates "yes no" cellctl set "$A" --sysinfo ""
# parameters from the table: create and set take --ram; only set has --save; only create --userns
expect_has --ram cellctl set "$A" --r
expect_has --save cellctl set "$A" --
expect_has --ownership cellctl set "$A" --
expect_has --ownership cellctl create "$A" --
expect_has --cpulimit cellctl create "$A" --
expect_has --userns cellctl create "$A" --
# bind mounts (issue 18): create and set take --bindmount; only set has --bindmount_del
expect_has --bindmount cellctl create "$A" --bindm
expect_has --bindmount cellctl set "$A" --bindm
expect_has --bindmount_del cellctl set "$A" --bindm
complete_words cellctl create "$A" --bindm | grep -qx -- --bindmount_del && fail "create does not offer --bindmount_del" ||
	ok "create does not offer --bindmount_del (set only)"
# passed sockets (issue 18): create and set take --listen; only set has --listen_del
expect_has --listen cellctl create "$A" --lis
expect_has --listen_del cellctl set "$A" --lis
complete_words cellctl create "$A" --lis | grep -qx -- --listen_del && fail "create does not offer --listen_del" ||
	ok "create does not offer --listen_del (set only)"
expect_candidates "yes no" cellctl set "$A" --onconnect ""
complete_words cellctl set "$A" -- | grep -qx -- --userns && fail "set does not offer --userns (create only)" ||
	ok "set does not offer --userns (create only)"
# CTIDs of this world, and templates of its cache
expect_candidates "$A $B comp-a" cellctl start ""
expect_candidates "comp-a" cellctl status comp
# set's provisioning options; --ssh-key takes a file name
expect_has --userpasswd cellctl set "$A" --
expect_has --ssh-key cellctl set "$A" --
expect_has --ssh-user cellctl set "$A" --
: > "$TMPD/key-for-completion.pub"
expect_candidates "$TMPD/key-for-completion.pub" cellctl set "$A" --ssh-key "$TMPD/key-for-c"
expect_has "$B" cellctl ubc "$A" ""
expect_candidates "" cellctl boot ""
expect_has --parallel cellctl boot --
expect_has busybox cellctl create "$A" --ostemplate ""
expect_candidates "busybox" cellctl template remove ""
expect_candidates "$A $B" cellctl template commit ""
expect_has --force cellctl template commit "$A" x --
expect_has --layer cellctl template commit "$A" x --
# clone: an existing SRC, nothing for the new DST, its options and layouts; flatten: a CTID
expect_candidates "$A $B" cellctl clone ""
expect_candidates "" cellctl clone "$A" ""
expect_candidates "--hostname --ipadd --layout --name" cellctl clone "$A" "$(ctid 9)" --
expect_candidates "copy overlay" cellctl clone "$A" "$(ctid 9)" --layout ""
expect_candidates "$A $B comp-a" cellctl flatten ""
# import-vz: nothing for the new CTID, its options, a file for --conf and a directory for --private
expect_candidates "" cellctl import-vz ""
expect_candidates "--conf --copy --dry-run --move --private" cellctl import-vz "$(ctid 9)" --
mkdir -p "$TMPD/vzc/priv.d" && : > "$TMPD/vzc/777.conf"
expect_candidates "$TMPD/vzc/777.conf" cellctl import-vz "$(ctid 9)" --conf "$TMPD/vzc/7"
expect_candidates "$TMPD/vzc/priv.d" cellctl import-vz "$(ctid 9)" --private "$TMPD/vzc/p"
# every command the binary knows is offered, and only those
cmds=$("$CELLCTL" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
expect_candidates "$cmds" cellctl ""

check "destroy $A" cc destroy "$A"
check "destroy $B" cc destroy "$B"
leak_check
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 17 item 5, the listing commands made cheaper: what they show must not change.
# - list and ubc open the state files of the run dir's listing only (one readdir): a running
#   container shows running, a stopped one stopped, a state file whose init is gone stopped, a
#   non-canonical state file name (0NNN.state) nothing; ubc lists the running ones only;
# - list makes each row's text as soon as its config is read and frees the config: every -o field,
#   text and JSON, on stopped, running and broken rows; a sort by a text, a number and a state;
#   the filters;
# - the config reader (one read into a stack buffer, the memory file cut to each text): an edit of
#   a config between two lists (set --save, and by hand, even to a value of the same length and a
#   file of the same size) shows at once; a config larger than the buffer lists its last key; a
#   broken config lists as "-".
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
D=$(ctid 4) # broken config
E=$(ctid 5) # a state file whose init is gone
create_ct "$A" --hostname aaa.example --name alpha --description first-one --ram 256M
create_ct "$B" --hostname bbb.example --name beta
create_ct "$C"
create_ct "$E" --hostname eee.example
start_ct "$A"
start_ct "$B"

json_check() {
	if printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; then
		ok "$1"; else fail "$1" "$OUT"; fi
}

# ---- states: from the run dir's listing ----
expect_output "^ *$A +[0-9]+ +running .*aaa\.example$" cc list
expect_match "^ *$B +[0-9]+ +running .*bbb\.example$" "$OUT" "list: $B running"
if grep -q "^ *$C " <<< "$OUT"; then fail "list without -a: no stopped $C" "$OUT"; else ok "list without -a: no stopped $C"; fi
# a state file whose init is gone (the monitor killed by the admin): stopped, not in ubc
sed -E 's/^init [0-9]+ [0-9]+$/init 4194304 1/' "$RUN_DIR/$A.state" > "$RUN_DIR/$E.state"
# a non-canonical name is no container's state
cp "$RUN_DIR/$A.state" "$RUN_DIR/0$C.state"
expect_output "^ *$E +- +stopped +- +eee\.example$" cc list -a
expect_match "^ *$C +- +stopped +- +-$" "$OUT" "list -a: $C stopped (0$C.state is no state of it)"
expect_match "^ *$A +[0-9]+ +running" "$OUT" "list -a: $A running"
run cc list -S -H -o ctid
[ "$(sort -n <<< "$OUT" | tr -s ' \n' ' ' | sed 's/^ //')" = "$C $E " ] && ok "list -S: $C and $E" || fail "list -S: $C and $E" "$OUT"
run cc ubc
[ "$RC" = 0 ] && [ "$(grep -Eo '^ *[0-9]+:' <<< "$OUT" | tr -d ' :' | sort -n | tr '\n' ' ')" = "$A $B " ] &&
	ok "ubc: $A and $B, not $E (init gone) nor $C" || fail "ubc: $A and $B only" "$OUT"
run cc ubc -j
json_check "ubc -j: $A and $B" "sorted(r['ctid'] for r in d) == [$A, $B]"
expect_exit 31 cc ubc "$E"
rm -f "$RUN_DIR/$E.state" "$RUN_DIR/0$C.state"

# ---- every field, text and JSON, on running, stopped and broken rows ----
printf '[container]\nhostname = ddd\nthis is not ini\n' > "$CONF_DIR/$D.conf"
use_ct "$D"
fields="ctid,veid,numproc,status,private,lxcfs,laverage,hostname,ostemplate,layout,template_tree,ownership,uuid,name"
fields="$fields,description,origin_sample,onboot,disabled,bootorder,userns,uid_base,stop_timeout,ram,swap"
f2="ctid,cpuunits,cpulimit,cpus,cpumask,ioprio,iolimit,iopslimit,numproc,diskspace,diskinodes,seccomp,no_new_privs"
f2="$f2,nesting,nameserver,searchdomain,ip,physpages,physpages.m,physpages.l,numproc.b,cputime,in_bytes,out_bytes"
for f in "$fields" "$f2"; do
	run cc list -a -o "$f"
	n=$(tr ',' '\n' <<< "$f" | wc -l)
	if [ "$RC" = 0 ] && [ "$(wc -l <<< "$OUT")" = 6 ] && ! awk -v n="$n" 'NF != n { bad = 1 } END { exit !bad }' <<< "$OUT"; then
		ok "list -a -o (${f:0:30}...): a header and 5 rows of $n columns"
	else
		fail "list -a -o ${f:0:30}...: 6 lines of $n columns" "$OUT"
	fi
	run cc list -a -j -o "$f"
	json_check "list -a -j -o (${f:0:30}...): 5 objects of $n keys" "len(d) == 5 and all(len(r) == $n for r in d)"
done
run cc list -a -H -o ctid,status,hostname,ram,name
expect_match "^ *$D +stopped +- +- +-$" "$OUT" "a broken config lists with -"
expect_match "^ *$A +running +aaa\.example +256M +alpha$" "$OUT" "$A's row"
run cc list -a -j -o ctid,hostname,ram,numproc,laverage
json_check "JSON: $A's values, $D's null" \
	"[r for r in d if r['ctid'] == $A][0]['hostname'] == 'aaa.example' and [r for r in d if r['ctid'] == $D][0]['hostname'] is None"

# ---- sorts and filters ----
run cc list -a -H -o ctid -s -hostname
[ "$(tr -s ' \n' ' ' <<< "$OUT" | sed 's/^ //')" = "$E $B $A $D $C " ] && ok "-s -hostname: $E $B $A, then no hostname (descending CTIDs)" ||
	fail "-s -hostname" "$OUT"
run cc list -a -H -o ctid -s status
[ "$(tr -s ' \n' ' ' <<< "$OUT" | sed 's/^ //')" = "$A $B $C $D $E " ] && ok "-s status: running, then stopped, by CTID" ||
	fail "-s status" "$OUT"
run cc list -a -H -o ctid -s -ctid
[ "$(tr -s ' \n' ' ' <<< "$OUT" | sed 's/^ //')" = "$E $D $C $B $A " ] && ok "-s -ctid" || fail "-s -ctid" "$OUT"
expect_output "^ *$A\$" cc list -a -1 -d 'first*'
expect_output "^ *$B\$" cc list -1 -N 'be*'

# ---- an edit between two lists shows at once ----
check "set --hostname (running)" cc set "$A" --hostname aab.example --save
expect_output "^ *$A +[0-9]+ +running +- +aab\.example$" cc list
check "set --hostname (stopped)" cc set "$C" --hostname ccc.example --save
expect_output "^ *$C +- +stopped +- +ccc\.example$" cc list -a
# by hand, a value of the same length: a file of the same size, written in place within a second
for h in ccd.example cce.example; do
	sed -i "s/^hostname = .*/hostname = $h/" "$CONF_DIR/$C.conf"
	expect_output "^ *$C +- +stopped +- +$h\$" cc list -a
done
sz1=$(stat -c %s "$CONF_DIR/$C.conf")
printf 'hostname = ccf.example\n' > "$TMPD/h"
awk '/^hostname = / { print "hostname = ccg.example"; next } { print }' "$CONF_DIR/$C.conf" > "$TMPD/c"
cat "$TMPD/c" > "$CONF_DIR/$C.conf" # same inode, same size
[ "$(stat -c %s "$CONF_DIR/$C.conf")" = "$sz1" ] && ok "the config kept its size" || fail "same size" "$sz1"
expect_output "^ *$C +- +stopped +- +ccg\.example$" cc list -a
# made broken, then mended
printf 'garbage\n' >> "$CONF_DIR/$C.conf"
expect_output "^ *$C +- +- +- +-$" cc list -a -o ctid,numproc,hostname,ram,name
cat "$TMPD/c" > "$CONF_DIR/$C.conf"
expect_output "^ *$C +- +stopped +- +ccg\.example$" cc list -a

# ---- a config larger than the reader's buffer (8 KiB) ----
{
	cat "$TMPD/c"
	for i in $(seq 1 200); do printf '; padding line %03d ..................................................\n' "$i"; done
	printf '[container]\nname = big-one\n'
} > "$CONF_DIR/$C.conf"
log "config of $C: $(stat -c %s "$CONF_DIR/$C.conf") bytes"
expect_output "^ *$C +big-one\$" cc list -a -H -o ctid,name

check "stop $A" cc stop "$A" --fast
check "stop $B" cc stop "$B" --fast
rm -f "$CONF_DIR/$D.conf"
for ct in "$A" "$B" "$C" "$E"; do check "destroy $ct" cc destroy "$ct"; done
finish

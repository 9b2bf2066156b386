#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, vzlist compatibility: list's fields veid and laverage (the CPU pressure, a/b/c), -n
# (the name column instead of the hostname), the filters --hostname, -N/--name_filter and
# -d/--description (globs), --no-header; and -j where it was refused or ignored: status -j,
# quota -j, template list -j. Every command that takes -j prints valid JSON.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
N=$(ctid 9) # never created
create_ct "$A" --hostname web1.example.com --name alpha --description "customer one"
create_ct "$B" --hostname db.example.com --name beta --description "customer two"
create_ct "$C"
start_ct "$A"

# json_ok DESC: $OUT is one valid JSON document
json_ok() {
	if printf '%s' "$OUT" | python3 -m json.tool >/dev/null 2>&1; then ok "$1: valid JSON"; else fail "$1: valid JSON" "$OUT"; fi
}
# json_check DESC PYEXPR: PYEXPR is true of the document d
json_check() {
	if printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; then
		ok "$1"; else fail "$1" "$OUT"; fi
}

# ---- veid: ctid's older name ----
run cc list -a -H -o veid
veid=$OUT
run cc list -a -H -o ctid
[ -n "$veid" ] && [ "$veid" = "$OUT" ] && ok "veid lists the CTIDs as ctid does" || fail "veid = ctid" "$veid / $OUT"
expect_output '^ +CTID +CTID$' cc list -a -o veid,ctid -s ctid
run cc list -a -j -o veid
json_check "JSON: veid is a number keyed veid" "[r['veid'] for r in d] == sorted([$A, $B, $C])"

# ---- -n: names instead of hostnames ----
expect_output '^ +CTID +NPROC STATUS +IP_ADDR +HOSTNAME$' cc list
expect_output '^ +CTID +NPROC STATUS +IP_ADDR +NAME$' cc list -n
expect_match "^ *$A +[0-9]+ +running +- +alpha$" "$OUT" "list -n shows the name"
run cc list -a -n -H
expect_match "^ *$C +- +stopped +- +-$" "$OUT" "no name: -"
expect_output '^ +CTID +HOSTNAME$' cc list -n -o ctid,hostname

# ---- the filters: globs on hostname, name, description ----
expect_output "^ *$A\$" cc list -a -1 -N 'al*'
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && ok "-N 'al*': only $A" || fail "-N 'al*': only $A" "$OUT"
expect_output "^ *$B\$" cc list -a -1 --name_filter beta
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && ok "--name_filter beta: only $B" || fail "--name_filter beta: only $B" "$OUT"
expect_exit 1 cc list -1 --name_filter beta
expect_match "Container\(s\) not found" "$OUT" "a stopped match without -a: not found"
expect_output "^ *$B\$" cc list -a -1 -d '*two'
expect_output "^ *$A\$" cc list -a -1 --description 'customer o[nN]e'
expect_output "^ *$A\$" cc list -a -1 --hostname 'web*'
run cc list -a -1 -d 'customer*'
[ "$(printf '%s\n' "$OUT" | sort -n | tr '\n' ' ')" = "$A $B " ] && ok "-d 'customer*': $A and $B (not $C, no description)" ||
	fail "-d 'customer*': $A and $B" "$OUT"
expect_exit 1 cc list -a -N 'x*' -d 'customer*'
run cc list -a -j -N nothing
[ "$RC" = 1 ] && [ "$OUT" = "[]" ] && ok "-j with nothing matching: [] and exit 1" || fail "-j nothing: [] exit 1" "exit $RC: $OUT"
expect_exit 20 cc list -N
expect_exit 20 cc list -o ctid,bogus

# ---- --no-header is -H ----
run cc list --no-header
if [ "$RC" = 0 ] && ! grep -q CTID <<< "$OUT" && grep -q "^ *$A " <<< "$OUT"; then ok "--no-header: no header line"; else fail "--no-header" "$OUT"; fi

# ---- laverage: the CPU pressure of the container's cgroup ----
# PSI on: a/b/c with two decimals; off (no cpu.pressure in the unified hierarchy): "-"
cgu=/sys/fs/cgroup
[ -d /sys/fs/cgroup/unified ] && cgu=/sys/fs/cgroup/unified
if [ -r "$cgu/cpu.pressure" ] || [ -r /proc/pressure/cpu ] && cat /proc/pressure/cpu >/dev/null 2>&1; then psi=1; else psi=0; fi
run cc list -a -H -o ctid,laverage -s ctid
log "laverage (psi=$psi): $(tr '\n' ';' <<< "$OUT")"
if [ "$psi" = 1 ]; then
	expect_match "^ *$A [0-9]+\.[0-9]{2}/[0-9]+\.[0-9]{2}/[0-9]+\.[0-9]{2} *$" "$OUT" "laverage of a running container: a/b/c"
else
	expect_match "^ *$A -$" "$OUT" "laverage without PSI: -"
fi
expect_match "^ *$B -$" "$OUT" "laverage of a stopped container: -"
if [ "$psi" = 1 ]; then
	# a busy loop held to 10% of a CPU waits most of the time: the pressure rises
	check "set $A --cpulimit 10" cc set "$A" --cpulimit 10
	cc_bg exec "$A" -- sh -c 'echo $$ > /busy.pid; while :; do :; done'
	la_high() { cc list -H -o laverage -N alpha | awk -F/ '{exit !($1 >= 20)}'; }
	if wait_for 30 la_high; then ok "laverage rises under a CPU limit"; else fail "laverage under a CPU limit" "$(cc list -o ctid,laverage)"; fi
	run cc list -o ctid,laverage -N alpha
	log "busy at --cpulimit 10:"; printf '%s\n' "$OUT" | sed 's/^/#   /'
	check "end the busy loop" cc exec "$A" -- sh -c 'kill $(cat /busy.pid)'
	wait "$CC_PID" 2>/dev/null
fi
expect_output '^ +CTID LAVERAGE$' cc list -o ctid,laverage
check "list -s -laverage" cc list -a -s -laverage
run cc list -a -j -o ctid,laverage
json_ok "list -j -o ctid,laverage"
if [ "$psi" = 1 ]; then
	json_check "JSON: laverage is an array of three numbers (null when stopped)" \
		"all((r['laverage'] is None) == (r['ctid'] != $A) for r in d) and [type(x) for x in [r for r in d if r['ctid'] == $A][0]['laverage']] == [float] * 3"
else
	json_check "JSON: laverage null without PSI" "all(r['laverage'] is None for r in d)"
fi

# ---- status -j ----
run cc status "$A" -j
json_ok "status -j"
json_check "status -j of a running one" "d == {'ctid': $A, 'exist': True, 'running': True, 'suspended': False, 'name': 'alpha'}"
run cc status --json "$B"
json_check "status --json of a stopped one" "d == {'ctid': $B, 'exist': True, 'running': False, 'suspended': False, 'name': 'beta'}"
run cc status "$C" -j
json_check "status -j without a name" "d == {'ctid': $C, 'exist': True, 'running': False, 'suspended': False, 'name': None}"
run cc status -j "$N"
json_check "status -j of a deleted one" "d == {'ctid': $N, 'exist': False, 'running': False, 'suspended': False, 'name': None}"
run cc status beta -j
json_check "status -j by name" "d['ctid'] == $B"
expect_output "^CTID $A exist running\$" cc status "$A"
expect_exit 20 cc status "$A" --bogus
expect_match "status: unknown option '--bogus'" "$OUT" "status: an unknown option is refused"

# ---- quota -j ----
run cc quota "$A" -j
json_ok "quota -j"
json_check "quota -j: the table's figures" \
	"d['ctid'] == $A and type(d['blocks_kb']['used']) is int and d['inodes']['used'] > 0 and d['usage_from'] in ('quota', 'walk') and set(d['blocks_kb']) == {'used', 'soft', 'hard', 'over', 'grace_until'}"
run cc quota "$A"
kb=$(awk '$1 == "1k-blocks" {sub(/\*$/, "", $2); print $2}' <<< "$OUT")
run cc quota -j "$A"
json_check "quota -j used = the table's ($kb KB)" "abs(d['blocks_kb']['used'] - ${kb:-0}) <= 64"
expect_exit 20 cc quota "$A" --bogus
expect_exit 27 cc quota
expect_exit 20 cc quota "$A" extra

# ---- template list -j ----
run cc template list -j
json_ok "template list -j"
json_check "template list -j names busybox" "any(t.get('name') == 'busybox' for t in d)"

# ---- every -j: valid JSON ----
for cmd in "list -j" "list -a -j" "list -a -j -o ctid,name,description,laverage,veid,physpages,numproc" "ubc -j" \
	"ubc $A -j" "netstat -j" "quota-report -j --state $TMPD/qr.state" "status $A -j" "quota $B -j" "template list -j"; do
	# shellcheck disable=SC2086
	run cc $cmd
	json_ok "$cmd (exit $RC)"
done

check "stop $A" cc stop "$A" --fast
for ct in "$A" "$B" "$C"; do check "destroy $ct" cc destroy "$ct"; done
finish

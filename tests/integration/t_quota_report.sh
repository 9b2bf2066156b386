#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# quota-report over 30 containers, on a filesystem that does not enforce project quotas (this
# host's; issue 5, acceptance 2, 3 and 5):
#   - create with disk limits warns "disk quota not enforced"; quota and the report say
#     "not enforced" and show the real usage (a walk of the private area)
#   - some containers over their soft limit, one running with a numproc failcnt that rises
#   - exit codes follow --warn / --crit / hard limits; offenders are listed first
#   - JSON parses (python3 -m json.tool); prom parses with prometheus_client's parser, and every
#     metric has HELP, TYPE and a ctid label
#   - failure deltas: none on the first run, the rise on the next, none on the one after; a
#     corrupt state file gives no deltas and is rewritten
#   - bad input: soft > hard, negative sizes, unknown format, bad thresholds, unwritable --output:
#     a clear error, the documented exit code, no (partial) output file
# timeout: 600
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
STATE=$TMPD/qr.state
qr() { cc quota-report --state "$STATE" "$@"; }

# ---- bad input at create ----
X=$(ctid 99)
use_ct "$X"
expect_exit 21 cc create "$X" --diskspace 50M:40M
expect_match "diskspace" "$OUT" "soft above hard names the option"
expect_exit 21 cc create "$X" --diskspace -5M
expect_exit 21 cc create "$X" --diskinodes 1200:1000
if is_deleted "$X"; then ok "nothing created by the bad creates"; else fail "bad create left container $X"; fi

# ---- not enforced ----
A=$(ctid 1)
use_ct "$A"
run cc create "$A" --diskspace 100M:120M --diskinodes 50000:60000
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q "disk quota not enforced: "; then
	ok "create warns: $(printf '%s\n' "$OUT" | grep 'not enforced' | head -1)"
else
	fail "create $A with limits warns 'disk quota not enforced' (exit $RC)" "$OUT"
fi
du_kb=$(du -sk "$PRIV_DIR/$A" | awk '{print $1}')
run cc quota "$A"
q_kb=$(printf '%s\n' "$OUT" | awk '$1 == "1k-blocks" {print $2}')
if [ "$RC" = 0 ] && [ -n "$q_kb" ] && [ $(( (q_kb > du_kb ? q_kb - du_kb : du_kb - q_kb) * 100 )) -le $((du_kb * 5)) ]; then
	ok "quota shows the real usage ($q_kb KB; du says $du_kb KB)"
else
	fail "quota usage ${q_kb:-?} KB vs du $du_kb KB (exit $RC)" "$OUT"
fi
expect_match "note: not enforced" "$OUT" "quota says not enforced"
expect_match '^ *1k-blocks +[0-9]+ +102400 +122880' "$OUT" "quota shows the configured limits"
run cc set "$A" --diskspace 90M:100M --save
expect_match "disk quota not enforced" "$OUT" "set --diskspace warns too"

# ---- 30 containers: 26 fine, 3 over their soft limit, 1 running with numproc 8 ----
for i in $(seq 2 30); do
	id=$(ctid "$i")
	use_ct "$id"
	if [ "$i" -le 4 ]; then lim=1M:100M; else lim=100M:120M; fi
	run cc create "$id" --diskspace "$lim" --numproc 8
	[ "$RC" = 0 ] || fail "create $id" "$OUT"
done
ok "30 containers created"
P=$(ctid 30)
start_ct "$P"

# first run: no state yet
expect_exit 1 qr
expect_match "failure deltas: none \(no previous run recorded\)" "$OUT" "first run: no deltas"
[ -s "$STATE" ] && ok "state file written" || fail "no state file $STATE"
# offenders first: every WARN/CRIT row before the first ok row
rows=$(printf '%s\n' "$OUT" | awk 'NR > 2 && $1 ~ /^[0-9]+$/ {print $1, $2}')
order=$(printf '%s\n' "$rows" | awk '{print $2}' | uniq | tr '\n' ' ')
if [ "$order" = "WARN ok " ]; then ok "offenders first ($order)"; else fail "row order by level: $order" "$OUT"; fi
nwarn=$(printf '%s\n' "$rows" | awk '$2 == "WARN"' | wc -l)
[ "$nwarn" = 3 ] && ok "3 containers over their soft limit" || fail "$nwarn WARN rows, expected 3" "$OUT"
[ "$(printf '%s\n' "$rows" | wc -l)" = 30 ] && ok "30 rows" || fail "row count" "$OUT"
expect_match "^ *$A +ok +stopped .*disk quota not enforced" "$OUT" "report marks $A not enforced"

# the numproc limit bites: failcnt rises
run cc exec "$P" -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done; wait' &
BG_PIDS+=($!)
sleep 3
expect_exit 1 qr
expect_match "^  $P numproc failcnt \+[0-9]+" "$OUT" "second run reports the numproc failcnt rise of $P"
expect_match "^ *$P +WARN +running" "$OUT" "$P is an offender"
expect_exit 1 qr
expect_match "new failures since the last run: none" "$OUT" "third run: no new deltas"

# thresholds
expect_exit 0 cc quota-report --state "$TMPD/other.state" --warn 300
expect_exit 2 qr --crit 150
expect_exit 1 qr --warn 90 --crit 250

# JSON and prom, to files
check "json to a file" qr --format json --output "$TMPD/r.json" --warn 300
check "JSON parses (python3 -m json.tool)" python3 -m json.tool "$TMPD/r.json"
run python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and len(d["containers"]) == 30, d.keys()
a = [c for c in d["containers"] if c["ctid"] == int(sys.argv[2])][0]
assert a["disk"]["enforced"] is False and a["disk"]["usage_from"] == "walk" and a["disk"]["reason"], a["disk"]
assert a["disk"]["blocks_kb"]["used"] > 0
p = [c for c in d["containers"] if c["ctid"] == int(sys.argv[3])][0]
assert p["state"] == "running" and p["numproc"]["limit"] == 8 and p["numproc"]["failcnt"] > 0, p
' "$TMPD/r.json" "$A" "$P"
[ "$RC" = 0 ] && ok "JSON keys and values" || fail "JSON content" "$OUT"
check "prom to a file" qr --format prom --output "$TMPD/r.prom" --warn 300
# Debian's python3-prometheus-client lives in /usr/bin/python3's dist-packages (a pyenv python3
# earlier in PATH does not see it)
PYPROM=""
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import prometheus_client' 2>/dev/null; then PYPROM=$py; break; fi
done
if [ -n "$PYPROM" ]; then
	run "$PYPROM" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = list(text_string_to_metric_families(text))
assert len(fams) >= 20, len(fams)
n = 0
for f in fams:
    assert f.documentation, f.name
    assert f.type in ("gauge", "counter"), (f.name, f.type)
    for s in f.samples:
        assert "ctid" in s.labels, s
        n += 1
for f in fams:
    assert "# HELP %s " % (f.name + ("_total" if f.type == "counter" else "")) in text
    assert "# TYPE %s " % (f.name + ("_total" if f.type == "counter" else "")) in text
print(len(fams), "families", n, "samples")
' "$TMPD/r.prom"
	[ "$RC" = 0 ] && ok "prom parses: $OUT" || fail "prom parse" "$OUT"
else
	warn "python3-prometheus-client not installed: prom output not parsed (apt-get install python3-prometheus-client)"
fi

# a corrupt state file: no deltas, rewritten
printf 'garbage\x00\n' > "$STATE"
expect_exit 1 qr
expect_match "state file was unreadable" "$OUT" "corrupt state: no deltas"
expect_match "^# cellctl quota-report state 1$" "$(head -1 "$STATE")" "state file rewritten"

# ---- bad input at quota-report ----
expect_exit 21 qr --format xml --output "$TMPD/bad.txt"
[ -e "$TMPD/bad.txt" ] && fail "unknown format left $TMPD/bad.txt" || ok "no output file after an unknown format"
expect_exit 21 qr --warn abc
expect_exit 21 qr --warn -5
expect_exit 21 qr --warn 90 --crit 50
expect_exit 20 qr --bogus
expect_exit 14 qr "$(ctid 98)"
expect_exit 14 cc quota "$(ctid 98)"
expect_exit 3 qr --output "$TMPD/no/such/dir/r.txt"
mkdir -p "$TMPD/isdir"
expect_exit 3 qr --output "$TMPD/isdir"
left=$(ls -A "$TMPD" | grep -E '\.tmp\.' || true)
[ -z "$left" ] && ok "no partial output files" || fail "partial output files left" "$left"

check "stop $P" cc stop "$P" --fast
for c in "${CTIDS[@]}"; do
	is_deleted "$c" || cc destroy "$c" >/dev/null 2>&1 || fail "destroy $c"
done
finish

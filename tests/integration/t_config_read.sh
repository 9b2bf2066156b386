#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 11 (one reader of config values): every config is read once and its values taken from
# iniparser. An OpenVZ/vzctl-style file (keys before any [section]) is refused with FILE:LINE and
# a hint, not taken as an empty config; a malformed line is named FILE:LINE; a value continued
# with a backslash reads the same in list as iniparser reads it, before and after set --save.
. "$(dirname "$0")/lib.sh"

need_template
leak_snapshot
CT=$(ctid 1)

# a global config like the test's own, with samples in a directory of this test
SAMPLES=$TMPD/samples
mkdir -p "$SAMPLES"
sed "s|^sample_dir .*|sample_dir   = $SAMPLES|" "$CONF" > "$TMPD/cellctl-samples.conf"
ccs() { CELLCTL_CONF=$TMPD/cellctl-samples.conf cc "$@"; }

nothing_of() {
	local id=$1 what=$2 left
	left=$( (ls -A "$PRIV_DIR"; ls -A "$CONF_DIR") 2>/dev/null)
	if [ -z "$left" ]; then ok "$what: no private area, config or temp dir left"; else fail "$what: no private area, config or temp dir left" "$left"; fi
	is_deleted "$id" && ok "$what: status says deleted" || fail "$what: status says deleted" "$(ct_status "$id")"
}

# ---- create --config of an OpenVZ-style sample: exit 85, FILE:LINE, a hint, no container ----
cat > "$SAMPLES/ve-ovz.conf-sample" <<'EOF'
# an OpenVZ ve-vswap-256m.conf-sample
PHYSPAGES="0:65536"
SWAPPAGES="0:65536"
ONBOOT="yes"
EOF
use_ct "$CT"
expect_exit 85 ccs create "$CT" --config ovz
expect_match "ve-ovz\.conf-sample:2: key before any \[section\]: PHYSPAGES=\"0:65536\"" "$OUT" "the OpenVZ sample is refused at FILE:LINE"
expect_match "OpenVZ/vzctl config.*cellctl\.conf\(5\)" "$OUT" "with a hint"
nothing_of "$CT" "OpenVZ sample"

# ---- a malformed line in a sample ---------------------------------------------------------
printf '[resources]\nram = 256M\nthis is not ini\n' > "$SAMPLES/ve-junk.conf-sample"
expect_exit 85 ccs create "$CT" --config junk
expect_match "ve-junk\.conf-sample:3: malformed line: this is not ini" "$OUT" "a malformed sample line is named FILE:LINE"
nothing_of "$CT" "malformed sample"

# ---- a good sample with a continued value ------------------------------------------------
printf '[container]\ndescription = first \\\n   second ; a comment\n[resources]\nram = 256M\n' > "$SAMPLES/ve-cont.conf-sample"
check "create $CT --config cont" ccs create "$CT" --config cont
conf=$CONF_DIR/$CT.conf
want=$(python3 - "$conf" <<'EOF'
import sys
# iniparser 4.1: a line ending in a backslash goes on with the next one; the value ends at ';'
lines = open(sys.argv[1]).read().split("\n")
i = 0
while i < len(lines):
    l = lines[i].rstrip()
    while l.endswith("\\") and i + 1 < len(lines):
        i += 1
        l = l[:-1] + lines[i].rstrip()
    if l.strip().startswith("description"):
        print(l.split("=", 1)[1].split(";")[0].strip(), end="")
    i += 1
EOF
)
desc_json() { cc list -a -j -o ctid,description | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["description"], end="")'; }
got=$(desc_json)
[ "$got" = "$want" ] && [ "$got" = "first    second" ] && ok "the continued description reads as iniparser reads it: '$got'" ||
	fail "the continued description reads as iniparser reads it" "got '$got', want '$want'"
check "set --hostname --save" cc set "$CT" --hostname cont.example.com --save
grep -q '^description = first \\$' "$conf" && ok "set --save keeps the continued line" || fail "set --save keeps the continued line" "$(cat "$conf")"
got=$(desc_json)
[ "$got" = "$want" ] && ok "after set --save the description reads the same" || fail "after set --save the description reads the same" "got '$got'"

# ---- keys put before the first section of a container config ------------------------------
cp "$conf" "$TMPD/good.conf"
{ echo 'ONBOOT="yes"'; cat "$TMPD/good.conf"; } > "$conf"
expect_exit 85 cc set "$CT" --onboot no --save
expect_match "$CT\.conf:1: key before any \[section\]: ONBOOT=\"yes\"" "$OUT" "a key before any section in CTID.conf: FILE:LINE"
expect_exit 85 cc start "$CT"
cmp -s "$conf" <({ echo 'ONBOOT="yes"'; cat "$TMPD/good.conf"; }) && ok "the refused config is left as it was" || fail "the refused config is left as it was"
cp "$TMPD/good.conf" "$conf"

# ---- the global config goes through the same reader ---------------------------------------
{ echo 'VE_ROOT=/vz/root/$VEID'; cat "$CONF"; } > "$TMPD/cellctl-ovz.conf"
run env CELLCTL_CONF="$TMPD/cellctl-ovz.conf" "$CELLCTL" list -a
[ "$RC" = 85 ] && ok "a global config with a key before any section: exit 85" || fail "a global config with a key before any section: exit 85 (got $RC)" "$OUT"
expect_match "cellctl-ovz\.conf:1: key before any \[section\]" "$OUT" "the global config's line is named"

# ---- set on a running container says which options take effect at the next start only -----
# (the parameters without PF_LIVE: capability, seccomp*, no_new_privs, nesting)
start_ct "$CT"
expect_output "Note: --nesting applies at the next start of CT $CT" cc set "$CT" --nesting yes --save
run cc set "$CT" --onboot yes --hostname live.example.com --cpuunits 500 --save
if [ "$RC" = 0 ] && ! printf '%s\n' "$OUT" | grep -q "next start"; then ok "live and config-only options: no note"; else
	fail "live and config-only options: no note (exit $RC)" "$OUT"
fi
run cc set "$CT" --no-new-privs yes
expect_match "WARNING: --no_new_privs applies only at a start of CT $CT: without --save it has no effect" "$OUT" \
	"without --save a next-start option is said to have no effect"
check "stop $CT" cc stop "$CT" --fast

check "destroy $CT" cc destroy "$CT"
leak_check
finish

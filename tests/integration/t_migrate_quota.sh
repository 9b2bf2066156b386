#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 16 (the pre-copy into a private dir with project quotas): a running container with
# --diskspace moves offline to a "host B" (t_migrate's set-up: its own netns, config, dirs and
# user-ID block; the transport a wrapper entering B's netns) whose private dir is on ext4 with
# project quotas. The pre-copy's objects are made outside every project and renamed into the
# container's tree, whose directories give new files their project: each object must take it
# before the rename (the kernel refuses a rename into another project's inheriting directory,
# EXDEV). On B the unchanged 3 MB file came from the pre-copy (not sent again), carries the
# container's project, `quota` counts it, and its data is the source's. Needs an ext4 with
# prjquota (the VM: tests/vm/run); elsewhere it skips.
. "$(dirname "$0")/lib.sh"

command -v lsattr >/dev/null || skip "lsattr (e2fsprogs) missing"
command -v python3 >/dev/null || skip "python3 missing"
need_quota_fs 200
need_template
leak_snapshot

CT1=$(ctid 1)
HB=$TMPD/hostb
NSB="cctb-migq-$CCT_ID"
second_host "$NSB" "$HB" || { fail "ip netns add $NSB"; finish; }
mkdir -m 700 "$QFS/private"
sed -i "s|^private_dir .*|private_dir  = $QFS/private|" "$HB/cellctl.conf"
ccb() { CELLCTL_CONF=$HB/cellctl.conf nsenter --net="/run/netns/$NSB" -- "$CELLCTL" "$@"; }
mig_cleanup() {
	if [ -e "/run/netns/$NSB" ]; then
		if [ -e "$HB/ct/$CT1.conf" ]; then
			timeout 30 env CELLCTL_CONF="$HB/cellctl.conf" nsenter --net="/run/netns/$NSB" -- "$CELLCTL" stop "$CT1" --fast >/dev/null 2>&1
			timeout 30 env CELLCTL_CONF="$HB/cellctl.conf" nsenter --net="/run/netns/$NSB" -- "$CELLCTL" destroy "$CT1" >/dev/null 2>&1
		fi
		ip netns del "$NSB" 2>/dev/null
	fi
	mountpoint -q "$QFS" && umount "$QFS"
}
trap 'rc=$?; mig_cleanup; (exit $rc); cleanup' EXIT
cat > "$TMPD/fakessh" <<EOF
#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
while [ \$# -gt 0 ]; do case \$1 in -p|-i|-o|-F) shift 2 ;; -*) shift ;; *) break ;; esac; done
shift
exec nsenter --net=/run/netns/$NSB env CELLCTL_CONF=$HB/cellctl.conf sh -c "exec \$*"
EOF
mig_transport "$TMPD/fakessh"

create_ct "$CT1" --hostname migq --ipadd 10.77.0.111/24 --diskspace 40M:50M
start_ct "$CT1"
check "a 3 MB file in $CT1" cc exec "$CT1" -- sh -c 'dd if=/dev/urandom of=/big bs=1k count=3000 2>/dev/null'
SUM=$(sha256sum "$PRIV_DIR/$CT1/big" | cut -d' ' -f1)
sleep 2.5 # older than the pre-copy's start (its margin: 2 s)
run cc migrate "$CT1" hostb -j
if [ "$RC" = 0 ]; then ok "migrate $CT1 (--diskspace) to B's quota file system"; else fail "migrate to B's quota file system (exit $RC)" "$OUT"; fi
JSON=$(grep '^{' <<< "$OUT" | tail -1)
log "migration: $JSON"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["precopy"] is True and d["unchanged_bytes"] >= 3000*1024, d' "$JSON" &&
	ok "the 3 MB file came from the pre-copy (not sent again)" || fail "the 3 MB file came from the pre-copy" "$JSON"
B1=$QFS/private/$CT1
[ "$(sha256sum "$B1/big" 2>/dev/null | cut -d' ' -f1)" = "$SUM" ] && ok "on B its data is the source's" || fail "on B the data of /big" "$(ls -la "$B1")"
PROOT=$(lsattr -pd "$B1" 2>/dev/null | awk '{print $1}')
PBIG=$(lsattr -p "$B1/big" 2>/dev/null | awk '{print $1}')
QID=$(sed -n 's/^quota_id *= *//p' "$HB/ct/$CT1.conf")
[ -n "$PBIG" ] && [ "$PBIG" != 0 ] && [ "$PBIG" = "$PROOT" ] && ok "on B /big carries the container's project ($PBIG, quota_id $QID)" ||
	fail "on B /big carries the container's project" "file $PBIG, root $PROOT, quota_id $QID"
run ccb quota "$CT1"
used=$(printf '%s\n' "$OUT" | awk '$1 == "1k-blocks" {sub(/\*$/, "", $2); print $2}')
[ -n "$used" ] && [ "$used" -ge 3000 ] && ok "on B quota counts it ($used KB used)" || fail "on B quota counts /big" "$OUT"
[ -z "$(ls -A "$QFS/private" | grep -v "^$CT1\$")" ] && ok "no pre-copy stage left on B" || fail "no pre-copy stage left on B" "$(ls -la "$QFS/private")"
wait_for 10 ccb exec "$CT1" -- true && ok "$CT1 runs on B" || fail "$CT1 runs on B" "$(ccb status "$CT1" 2>&1)"
check "stop $CT1 on B" ccb stop "$CT1" --fast
check "destroy $CT1 on B" ccb destroy "$CT1"
mig_cleanup
finish

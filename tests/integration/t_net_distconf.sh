#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 6 (guest network config): cellctl writes the distribution's own network configuration for
# the container's interfaces. The busybox template is dressed up as a Debian-family guest
# (/etc/os-release ID=debian or ubuntu, an /etc/network/interfaces, a networkd enablement link):
#   A  ifupdown, the main file sourcing interfaces.d: /etc/network/interfaces.d/cellctl, in step
#      with live --ipadd/--ipdel/--netif_add/--nameserver; the admin's stanza for an interface wins
#   B  systemd-networkd enabled (no ifupdown): /etc/systemd/network/10-cellctl-IF.network, an
#      off-subnet gateway with its on-link route; stale files of ours removed, the admin's kept
#   C  /etc/network/interfaces and /etc/systemd/network as symlinks to host paths: the host files
#      stay untouched, the guest gets its own files
#   D  opt-out: "# cellctl: keep" in our file, a main file without u+w
#   E  the plain busybox guest (ID=busybox): nothing new written
. "$(dirname "$0")/lib.sh"

need_template
A=$(ctid 1)
B=$(ctid 2)
C=$(ctid 3)
D=$(ctid 4)
E=$(ctid 5)
leak_snapshot
TAB=$'\t'

conf_val() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/$1.conf" | head -1; }
fp() { printf '%s %s\n' "$(stat -c '%a %u:%g %i %Y' "$1")" "$(sha256sum < "$1")"; }
# has FILE REGEX DESC / hasnt FILE REGEX DESC: a line of FILE (host path) matches (or not)
has() { if [ -f "$1" ] && grep -Eq -- "$2" "$1"; then ok "$3"; else fail "$3: /$2/ in $1" "$(cat "$1" 2>&1)"; fi; }
hasnt() { if [ -f "$1" ] && ! grep -Eq -- "$2" "$1"; then ok "$3"; else fail "$3: no /$2/ in $1" "$(cat "$1" 2>&1)"; fi; }
owner_is() { # FILE UID DESC
	local st
	st=$(stat -c '%u:%g %a %F' "$1" 2>&1)
	[ "$st" = "$2:$2 644 regular file" ] && ok "$3 ($st)" || fail "$3: $2:$2 644 regular file" "$st"
}
# make_debian CT ID: os-release, and the guest's ownership on what we add
make_debian() {
	local e=$PRIV_DIR/$1/etc
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=%s\n' "$2" > "$e/os-release"
	[ "$2" = debian ] || printf 'ID_LIKE=debian\n' >> "$e/os-release"
}
fix_owner() { local ub; ub=$(disk_root "$1"); chown -R "$ub:$ub" "$PRIV_DIR/$1/etc"; }

# ---- A: ifupdown with interfaces.d ----------------------------------------------------------------
create_ct "$A" --ipadd 10.77.6.11/24 --gw 10.77.6.1 --nameserver 10.77.6.53 --searchdomain example.com
check "set $A --ipadd fd77:6::11/64 --gw6 fd77:6::1 --save" cc set "$A" --ipadd fd77:6::11/64 --gw6 fd77:6::1 --save
E_A=$PRIV_DIR/$A/etc
make_debian "$A" debian
mkdir -p "$E_A/network/interfaces.d"
MAIN_A="# interfaces(5) file used by ifup(8) and ifdown(8)
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback"
printf '%s\n' "$MAIN_A" > "$E_A/network/interfaces"
fix_owner "$A"
start_ct "$A"
F=$E_A/network/interfaces.d/cellctl
has "$F" '^# cellctl: generated' "A: interfaces.d/cellctl written, with our header"
has "$F" '^auto eth0$' "A: auto eth0"
has "$F" '^iface eth0 inet manual$' "A: iface eth0 inet manual (idempotent form)"
has "$F" "^${TAB}up ip addr replace 10\\.77\\.6\\.11/24 dev eth0\$" "A: IPv4 address"
has "$F" "^${TAB}up ip -6 addr replace fd77:6::11/64 dev eth0 nodad\$" "A: IPv6 address"
has "$F" "^${TAB}up ip route replace default via 10\\.77\\.6\\.1 dev eth0\$" "A: IPv4 default route"
has "$F" "^${TAB}up ip -6 route replace default via fd77:6::1 dev eth0\$" "A: IPv6 default route"
hasnt "$F" 'scope link' "A: no on-link route for an on-subnet gateway"
has "$F" "^${TAB}dns-nameservers 10\\.77\\.6\\.53\$" "A: dns-nameservers"
has "$F" "^${TAB}dns-search example\\.com\$" "A: dns-search"
owner_is "$F" "$(disk_root "$A")" "A: our file belongs to the guest's root"
[ "$(cat "$E_A/network/interfaces")" = "$MAIN_A" ] && ok "A: the main file is untouched (it sources interfaces.d)" ||
	fail "A: the main file is untouched" "$(cat "$E_A/network/interfaces")"
left=$(ls -A "$E_A/network" "$E_A/network/interfaces.d" | grep '^\.#' || true)
[ -z "$left" ] && ok "A: no temp files left" || fail "A: no temp files left" "$left"
# what the file says is what cellctl set by netlink
expect_output 'inet 10\.77\.6\.11/24' cc exec "$A" -- ip -o addr show dev eth0
expect_output 'default via 10\.77\.6\.1 dev eth0' cc exec "$A" -- ip route

# live changes keep the file in step (saved: set computes the live change from the saved config)
check "set $A --ipadd 10.77.6.12/24 --save (live)" cc set "$A" --ipadd 10.77.6.12/24 --save
has "$F" "^${TAB}up ip addr replace 10\\.77\\.6\\.12/24 dev eth0\$" "A: live --ipadd: the new address is in the file"
check "set $A --ipdel 10.77.6.12 --save (live)" cc set "$A" --ipdel 10.77.6.12 --save
hasnt "$F" '10\.77\.6\.12' "A: live --ipdel: the address left the file"
check "set $A --netif_add eth1 --ifname eth1 --ipadd 10.77.7.11/24 --save (live)" cc set "$A" --netif_add eth1 --ifname eth1 --ipadd 10.77.7.11/24 --save
has "$F" '^auto eth1$' "A: live --netif_add: an eth1 stanza"
has "$F" "^${TAB}up ip addr replace 10\\.77\\.7\\.11/24 dev eth1\$" "A: live --netif_add: eth1's address"
check "set $A --nameserver 10.77.6.54 (live)" cc set "$A" --nameserver 10.77.6.54
has "$F" "^${TAB}dns-nameservers 10\\.77\\.6\\.54\$" "A: live --nameserver: the file follows"
# netif_del and a gateway-only change rewrite the files too
run cc set "$A" --netif_del eth1 --save
[ "$RC" = 0 ] && ok "set $A --netif_del eth1 --save (live)" || fail "set $A --netif_del eth1 --save (exit $RC)" "$OUT"
grep -q 'eth1' "$F" && fail "A: a live --netif_del alone drops the eth1 stanza" "$(cat "$F")" || ok "A: a live --netif_del alone drops the eth1 stanza"
run cc set "$A" --gw 10.77.6.254
grep -q 'default via 10\.77\.6\.254' "$F" && ok "A: a live --gw alone updates the file" || fail "A: a live --gw alone updates the file" "$(cat "$F")"
# at the next start the files follow the saved config; an admin's own eth0 stanza wins
check "stop $A" cc stop "$A" --fast
printf 'auto eth0\niface eth0 inet dhcp\n' > "$E_A/network/interfaces.d/eth0-admin"
start_ct "$A"
# (eth1 is gone, and eth0 is the admin's now: nothing of ours is left to write)
[ ! -e "$F" ] && ok "A: after a restart: no eth1 stanza (deleted), none for eth0 (the admin's own file declares it): our file removed" ||
	fail "A: after a restart our file is gone" "$(cat "$F")"
[ "$(cat "$E_A/network/interfaces.d/eth0-admin")" = "$(printf 'auto eth0\niface eth0 inet dhcp')" ] &&
	ok "A: the admin's own interfaces.d file is untouched" || fail "A: the admin's own file is untouched"
check "stop $A" cc stop "$A" --fast
# all the addresses go (and the admin's stanza with them): our file goes
rm -f "$E_A/network/interfaces.d/eth0-admin"
check "set $A --ipdel all --gw none --gw6 none --save" cc set "$A" --ipdel all --gw none --gw6 none --save
start_ct "$A"
[ ! -e "$F" ] && ok "A: no address and no gateway left: interfaces.d/cellctl removed" || fail "A: interfaces.d/cellctl removed" "$(cat "$F")"
check "stop $A" cc stop "$A" --fast

# ---- B: systemd-networkd --------------------------------------------------------------------------
create_ct "$B" --ipadd 192.0.2.77/32 --gw 10.77.8.1 --nameserver 10.77.8.53
E_B=$PRIV_DIR/$B/etc
make_debian "$B" ubuntu
rm -f "$PRIV_DIR/$B/sbin/ifup" "$PRIV_DIR/$B/usr/sbin/ifup" # no ifupdown in this guest
mkdir -p "$E_B/systemd/system/multi-user.target.wants"
ln -s /lib/systemd/system/systemd-networkd.service "$E_B/systemd/system/multi-user.target.wants/systemd-networkd.service"
fix_owner "$B"
start_ct "$B"
N0=$E_B/systemd/network/10-cellctl-eth0.network
has "$N0" '^# cellctl: generated' "B: 10-cellctl-eth0.network written, with our header"
has "$N0" '^Name=eth0$' "B: [Match] Name=eth0"
has "$N0" '^Address=192\.0\.2\.77/32$' "B: Address=192.0.2.77/32"
has "$N0" '^DNS=10\.77\.8\.53$' "B: DNS="
body=$(tr '\n' '|' < "$N0")
expect_match '\[Route\]\|Destination=10\.77\.8\.1/32\|Scope=link\|' "$body" "B: the on-link route to the off-subnet gateway"
expect_match '\[Route\]\|Gateway=10\.77\.8\.1\|' "$body" "B: the default route via it"
ub=$(disk_root "$B")
owner_is "$N0" "$ub" "B: our file belongs to the guest's root"
[ "$(stat -c '%u:%g %F' "$E_B/systemd/network")" = "$ub:$ub directory" ] && ok "B: /etc/systemd/network created, owned by the guest's root" ||
	fail "B: /etc/systemd/network owned by the guest's root" "$(stat -c '%u:%g %F' "$E_B/systemd/network")"
[ ! -e "$E_B/network/interfaces" ] && ok "B: no ifupdown file in a guest without ifupdown" || fail "B: no ifupdown file" "$(ls -la "$E_B/network")"
expect_output '10\.77\.8\.1 dev eth0 scope link' cc exec "$B" -- ip route
printf '[Match]\nName=eth7\n' > "$E_B/systemd/network/10-cellctl-eth7.network"
check "set $B --netif_add eth1 --ifname eth1 --ipadd 10.77.9.11/24 (live)" cc set "$B" --netif_add eth1 --ifname eth1 --ipadd 10.77.9.11/24
N1=$E_B/systemd/network/10-cellctl-eth1.network
has "$N1" '^Address=10\.77\.9\.11/24$' "B: live --netif_add: 10-cellctl-eth1.network"
check "set $B --ipdel all (live)" cc set "$B" --ipdel all
[ ! -e "$N1" ] && ok "B: eth1 has nothing left to configure: its file removed" || fail "B: eth1's file removed" "$(cat "$N1")"
hasnt "$N0" '^Address=' "B: eth0's file keeps no address"
has "$N0" '^Gateway=10\.77\.8\.1$' "B: eth0's file keeps its gateway (cellctl still sets its routes)"
[ "$(cat "$E_B/systemd/network/10-cellctl-eth7.network")" = "$(printf '[Match]\nName=eth7')" ] &&
	ok "B: a file of our naming without our header (the admin's) is untouched" || fail "B: the admin's file is untouched"
check "stop $B" cc stop "$B" --fast

# ---- C: symlinks to host paths --------------------------------------------------------------------
H=$TMPD/host
mkdir -p "$H/netdir" "$H/idir"
printf 'auto lo\niface lo inet loopback\n# host interfaces: must not change\n' > "$H/interfaces"
printf '[Match]\nName=host\n' > "$H/netdir/10-cellctl-eth0.network"
host_fp() { (cd "$H" && find . -printf '%p %y %i %s %T@ %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }
FP0=$(host_fp)
create_ct "$C" --ipadd 10.77.10.11/24 --gw 10.77.10.1
E_C=$PRIV_DIR/$C/etc
make_debian "$C" debian
mkdir -p "$E_C/network" "$E_C/systemd/system/multi-user.target.wants"
ln -s "$H/interfaces" "$E_C/network/interfaces"
ln -s "$H/idir" "$E_C/network/interfaces.d"
ln -s "../../../../../../../../../../..$H/netdir" "$E_C/systemd/network"
ln -s /lib/systemd/system/systemd-networkd.service "$E_C/systemd/system/multi-user.target.wants/systemd-networkd.service"
fix_owner "$C"
start_ct "$C"
d=$(diff <(echo "$FP0") <(host_fp) || true)
[ -z "$d" ] && ok "C: host files unchanged, nothing created on the host (start)" || fail "C: host files unchanged (start)" "$d"
[ -f "$E_C/network/interfaces" ] && [ ! -L "$E_C/network/interfaces" ] && ok "C: the guest's /etc/network/interfaces is now its own regular file" ||
	fail "C: /etc/network/interfaces replaced inside the guest" "$(ls -la "$E_C/network")"
has "$E_C/network/interfaces" "^${TAB}up ip addr replace 10\\.77\\.10\\.11/24 dev eth0\$" "C: the guest's main file has our block"
has "$E_C/network/interfaces" '^auto lo$' "C: ... and a loopback stanza"
check "set $C --ipadd 10.77.10.12/24 (live)" cc set "$C" --ipadd 10.77.10.12/24
d=$(diff <(echo "$FP0") <(host_fp) || true)
[ -z "$d" ] && ok "C: host files unchanged (live set)" || fail "C: host files unchanged (live set)" "$d"
check "stop $C" cc stop "$C" --fast

# ---- D: opt-out -----------------------------------------------------------------------------------
create_ct "$D" --ipadd 10.77.11.11/24
E_D=$PRIV_DIR/$D/etc
make_debian "$D" debian
mkdir -p "$E_D/network/interfaces.d"
printf 'source /etc/network/interfaces.d/*\n' > "$E_D/network/interfaces"
printf '# cellctl: generated once, then kept by the admin\n# cellctl: keep\nauto eth0\niface eth0 inet dhcp\n' > "$E_D/network/interfaces.d/cellctl"
fix_owner "$D"
touch -d '2020-01-02 03:04:05' "$E_D/network/interfaces.d/cellctl"
f0=$(fp "$E_D/network/interfaces.d/cellctl")
start_ct "$D"
[ "$(fp "$E_D/network/interfaces.d/cellctl")" = "$f0" ] && ok "D: our file with '# cellctl: keep' is untouched (start)" ||
	fail "D: the kept file is untouched (start)" "$f0" "$(fp "$E_D/network/interfaces.d/cellctl")"
check "set $D --ipadd 10.77.11.12/24 (live)" cc set "$D" --ipadd 10.77.11.12/24
[ "$(fp "$E_D/network/interfaces.d/cellctl")" = "$f0" ] && ok "D: ... and at a live set" || fail "D: the kept file is untouched (live set)"
check "stop $D" cc stop "$D" --fast
# a main file without u+w opts out of all the ifupdown configuration
rm -f "$E_D/network/interfaces.d/cellctl"
chmod 0444 "$E_D/network/interfaces"
m0=$(fp "$E_D/network/interfaces")
start_ct "$D"
[ "$(fp "$E_D/network/interfaces")" = "$m0" ] && [ ! -e "$E_D/network/interfaces.d/cellctl" ] &&
	ok "D: a main file without u+w: untouched, and no interfaces.d/cellctl written" ||
	fail "D: u-w main file opts out" "$m0 / $(fp "$E_D/network/interfaces")" "$(ls -la "$E_D/network/interfaces.d")"
check "stop $D" cc stop "$D" --fast

# ---- E: busybox ----------------------------------------------------------------------------------
create_ct "$E" --ipadd 10.77.12.11/24 --gw 10.77.12.1
start_ct "$E"
[ ! -e "$PRIV_DIR/$E/etc/network" ] && [ ! -e "$PRIV_DIR/$E/etc/systemd" ] &&
	ok "E: the busybox guest (ID=busybox) gets no network configuration files" ||
	fail "E: nothing written for busybox" "$(ls -la "$PRIV_DIR/$E/etc")"
check "stop $E" cc stop "$E" --fast

for c in "$A" "$B" "$C" "$D" "$E"; do run cc destroy "$c"; done
finish

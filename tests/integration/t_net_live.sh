#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live network changes are computed against what the container runs with (its running
# configuration, run_dir/CTID.running), not against the saved config: an address added without
# --save can be removed again, an interface added without --save can be deleted again, an
# unrelated set keeps them, and --save saves only what it was given. A bridge cellctl may not
# create ([network] bridge and bridges) must exist: a typo is refused (exit 21) and nothing is
# created; a listed bridge is created, an admin's existing bridge is used.
. "$(dirname "$0")/lib.sh"

need_template
XBR="ccx$((CCT_ID % 1000000))"
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24\nbridges = $XBR|" "$CONF"
A=$(ctid 1)
B=$(ctid 2)
leak_snapshot

guest_ips() { cc exec "$A" -- ip -o -4 addr show dev eth0 2>&1 | awk '{print $4}' | sort | tr '\n' ' '; }
guest_links() { cc exec "$A" -- ls /sys/class/net 2>&1 | tr '\n' ' '; }
has_link() { ip -n "$NS" link show dev "$1" > /dev/null 2>&1; }

create_ct "$A" --ipadd 10.77.0.101/24
start_ct "$A"
RUNF=$RUN_DIR/$A.running
[ -f "$RUNF" ] && ok "the running configuration $A.running exists" || fail "the running configuration exists" "$(ls -la "$RUN_DIR")"
[ "$(stat -c %a "$RUNF" 2>/dev/null)" = 600 ] && ok "it is mode 0600" || fail "the running configuration is mode 0600" "$(stat -c %a "$RUNF" 2>&1)"
cp "$CONF_DIR/$A.conf" "$TMPD/a.conf.0"

# ---- an address added without --save, removed again ----------------------------------------
check "set --ipadd 10.77.0.170/24 (live, not saved)" cc set "$A" --ipadd 10.77.0.170/24
expect_match '10\.77\.0\.170/24' "$(guest_ips)" "the guest has 10.77.0.170"
expect_match '10\.77\.0\.170/24' "$(cat "$RUNF")" "the running configuration has 10.77.0.170"
run cc set "$A" --ipdel 10.77.0.170
[ "$RC" = 0 ] && ok "set --ipdel 10.77.0.170 (live)" || fail "set --ipdel 10.77.0.170 (exit $RC)" "$OUT"
printf '%s' "$OUT" | grep -q 'No changes' && fail "--ipdel of an unsaved address is not 'No changes'" "$OUT" || ok "--ipdel of an unsaved address is not 'No changes'"
[ -z "$(guest_ips | grep 10.77.0.170)" ] && ok "10.77.0.170 is gone from the guest" || fail "10.77.0.170 is gone from the guest" "$(guest_ips)"
grep -q 10.77.0.170 "$RUNF" && fail "and from the running configuration" "$(cat "$RUNF")" || ok "and from the running configuration"
cmp -s "$TMPD/a.conf.0" "$CONF_DIR/$A.conf" && ok "the saved config never changed" || fail "the saved config never changed" "$(diff "$TMPD/a.conf.0" "$CONF_DIR/$A.conf")"

# ---- an interface added without --save, deleted again ---------------------------------------
check "set --netif_add eth1 (live, not saved)" cc set "$A" --netif_add eth1
has_link "veth$A.1" && ok "veth$A.1 exists on the host" || fail "veth$A.1 exists on the host" "$(ip -n "$NS" -o link)"
expect_match 'eth1' "$(guest_links)" "the guest has eth1"
check "set --netif_del eth1 (live)" cc set "$A" --netif_del eth1
has_link "veth$A.1" && fail "veth$A.1 is gone" "$(ip -n "$NS" -o link)" || ok "veth$A.1 is gone"
[ -z "$(guest_links | grep eth1)" ] && ok "eth1 is gone from the guest" || fail "eth1 is gone from the guest" "$(guest_links)"
cmp -s "$TMPD/a.conf.0" "$CONF_DIR/$A.conf" && ok "the saved config never changed" || fail "the saved config never changed" "$(diff "$TMPD/a.conf.0" "$CONF_DIR/$A.conf")"

# ---- an unrelated set keeps unsaved changes; --save saves only what it is given -------------
check "set --ipadd 10.77.0.171/24 (not saved)" cc set "$A" --ipadd 10.77.0.171/24
check "set --hostname live1 (not saved)" cc set "$A" --hostname live1
expect_match '10\.77\.0\.171/24' "$(guest_ips)" "an unrelated set keeps the unsaved 10.77.0.171"
check "set --ipadd 10.77.0.172/24 --save" cc set "$A" --ipadd 10.77.0.172/24 --save
expect_match '10\.77\.0\.171/24 10\.77\.0\.172/24' "$(guest_ips)" "the guest has both"
expect_match '^ipadd = 10\.77\.0\.101/24 10\.77\.0\.172/24$' "$(grep '^ipadd' "$CONF_DIR/$A.conf")" "the saved config got 10.77.0.172 only"
grep -q '^hostname = live1' "$CONF_DIR/$A.conf" && fail "the unsaved hostname stays unsaved" || ok "the unsaved hostname stays unsaved"
run cc set "$A" --ipadd 10.77.0.171/24
expect_match 'No changes' "$OUT" "adding what runs already changes nothing"
check "restart $A" cc restart "$A" --fast
expect_match '^10\.77\.0\.101/24 10\.77\.0\.172/24 $' "$(guest_ips)" "after a restart: the saved addresses only"
grep -q 10.77.0.171 "$RUNF" && fail "the running configuration starts over at start" "$(cat "$RUNF")" || ok "the running configuration starts over at start"

# ---- bridges ---------------------------------------------------------------------------------
cp "$CONF_DIR/$A.conf" "$TMPD/a.conf.1"
expect_exit 21 cc set "$A" --netif_add eth1,,,,nosuchbr
expect_match 'bridge nosuchbr does not exist' "$OUT" "the message names the missing bridge"
has_link nosuchbr && fail "no bridge nosuchbr was created" "$(ip -n "$NS" -o link)" || ok "no bridge nosuchbr was created"
has_link "veth$A.1" && fail "no veth$A.1 was created" || ok "no veth$A.1 was created"
[ -z "$(guest_links | grep eth1)" ] && ok "no eth1 in the guest" || fail "no eth1 in the guest" "$(guest_links)"
cmp -s "$TMPD/a.conf.1" "$CONF_DIR/$A.conf" && ok "the config is unchanged" || fail "the config is unchanged"
grep -q eth1 "$RUNF" && fail "the running configuration is unchanged" "$(cat "$RUNF")" || ok "the running configuration is unchanged"
expect_exit 21 cc create "$B" --netif_add eth0,,,,nosuchbr
[ -e "$CONF_DIR/$B.conf" ] || [ -e "$PRIV_DIR/$B" ] && fail "create left nothing behind" "$(ls "$CONF_DIR" "$PRIV_DIR")" || ok "create left nothing behind"
expect_exit 21 cc set "$A" --ipadd 10.77.9.9/24 --ifname eth0 --bridge nosuchbr
has_link nosuchbr && fail "--bridge nosuchbr created nothing" || ok "--bridge nosuchbr created nothing"
# a bridge listed in [network] bridges is created; an admin's existing bridge is used
check "set --netif_add eth1,,,,$XBR (listed in [network] bridges)" cc set "$A" --netif_add "eth1,,,,$XBR"
run ip -n "$NS" -d link show dev "$XBR"
expect_match 'bridge' "$OUT" "bridge $XBR was created"
expect_match "master $XBR " "$(ip -n "$NS" -o link show dev "veth$A.1" 2>&1)" "veth$A.1 is on $XBR"
ip -n "$NS" link add admbr0 type bridge
check "set --netif_add eth2,,,,admbr0 (an existing bridge)" cc set "$A" --netif_add eth2,,,,admbr0
expect_match "master admbr0 " "$(ip -n "$NS" -o link show dev "veth$A.2" 2>&1)" "veth$A.2 is on the admin's admbr0"
ip -n "$NS" link add notabr0 type veth peer name notabr0p
expect_exit 21 cc set "$A" --netif_add eth3,,,,notabr0
expect_match 'notabr0 is not a bridge' "$OUT" "a link that is not a bridge is refused"
# live bridge change of an interface: moved to another bridge
check "set --ifname eth1 --bridge admbr0 (live)" cc set "$A" --ifname eth1 --bridge admbr0
expect_match "master admbr0 " "$(ip -n "$NS" -o link show dev "veth$A.1" 2>&1)" "veth$A.1 moved to admbr0 live"

# deleting eth0 live moves eth1 to position 0: its derived host name and MACs follow (as the next
# start would have them), and its filter with them, so eth1 keeps working
ip -n "$NS" addr add 10.88.0.1/24 dev admbr0
ip -n "$NS" link set admbr0 up
check "set --ifname eth1 --ipadd 10.88.0.5/24 (live)" cc set "$A" --ifname eth1 --ipadd 10.88.0.5/24
ping_eth1() { cc exec "$A" -- ping -c 1 -W 2 10.88.0.1 > /dev/null 2>&1; }
wait_for 5 ping_eth1 && ok "eth1 reaches the host on admbr0" || fail "eth1 reaches the host on admbr0"
m0=$(cc exec "$A" -- cat /sys/class/net/eth0/address 2>&1)
check "set --netif_del eth0 (live)" cc set "$A" --netif_del eth0
expect_match "master admbr0 " "$(ip -n "$NS" -o link show dev "veth$A.0" 2>&1)" "eth1's host side is veth$A.0 now"
has_link "veth$A.2" && fail "eth2's veth$A.2 became veth$A.1" || ok "eth2's veth$A.2 became veth$A.1"
[ "$(cc exec "$A" -- cat /sys/class/net/eth1/address 2>&1)" = "$m0" ] && ok "eth1 has the MAC of position 0 ($m0)" ||
	fail "eth1 has the MAC of position 0" "$(cc exec "$A" -- cat /sys/class/net/eth1/address 2>&1) != $m0"
cc exec "$A" -- ip neigh flush dev eth1 > /dev/null 2>&1
ip -n "$NS" neigh flush dev admbr0
wait_for 5 ping_eth1 && ok "eth1 still reaches the host (its filter follows its new MAC)" ||
	fail "eth1 still reaches the host (its filter follows its new MAC)" "$(ip -n "$NS" -o link show dev "veth$A.0")"

check "stop $A" cc stop "$A" --fast
[ -e "$RUNF" ] && fail "the running configuration is removed at stop" || ok "the running configuration is removed at stop"
expect_exit 21 cc set "$A" --netif_add eth1,,,,nosuchbr --save
cmp -s "$TMPD/a.conf.1" "$CONF_DIR/$A.conf" && ok "a stopped container's config is unchanged too" || fail "a stopped container's config is unchanged too"
ip -n "$NS" link del admbr0
ip -n "$NS" link del notabr0
ip -n "$NS" link del "$XBR"
check "destroy $A" cc destroy "$A"
finish

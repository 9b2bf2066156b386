#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13, bandwidth per interface: [netif.X] rate_in (to the container) and rate_out (from it),
# measured with iperf3. The iperf3 servers run in the test's netns (the host) on the bridge's
# address; the clients run in a container's network namespace (the host's iperf3 binary, entered
# with nsenter --net=/proc/INIT/ns/net: the busybox guest has no iperf3). Upload = client sends,
# download = iperf3 -R. Checks: 50 Mbit/s each way within 10% over 5 s; a live change to 20 Mbit/s
# shows within 1 s; removing the limits gives back line rate; two shaped containers on one bridge
# each get their own rate; the anti-spoofing filter stays first on the ingress; bad values exit 21;
# the IFB goes with --netif_del and stop; the routed venet0 is shaped the same way ([venet] rate_in,
# rate_out, set with --ifname venet0), changed live; nothing leaks.
# timeout: 300
. "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || skip "iperf3 missing (scripts/deps.sh installs it)"
need_template
sed -i "s|^bridge = $BRIDGE\$|&\nbridge_address = 10.77.0.1/24|" "$CONF"
A=$(ctid 1)
B=$(ctid 2)
leak_snapshot

in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
# ifindex IF: the interface index of IF in the host netns
ifindex() { in_ns ip -o link show dev "$1" | cut -d: -f1; }
# init_pid CT: the container's init (the monitor's child)
init_pid() { local m; m=$(monitor_pid "$1") && cat /proc/"$m"/task/*/children | awk '{print $1; exit}'; }
# server PORT: an iperf3 server in the host netns on 10.77.0.1, for one test each; SPID is its
# pid (server_end stops it when the client failed: BG_PIDS is lost in a $(...) subshell)
server() {
	in_ns iperf3 -s -1 -B 10.77.0.1 -p "$1" -f k >/dev/null 2>&1 &
	SPID=$!
	BG_PIDS+=("$SPID")
	sleep 0.3
}
server_end() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	return 0
}
# iperf CT PORT SECONDS [ARGS]: the client in CT's netns; prints the receiver's Mbit/s
iperf() {
	local ct=$1 port=$2 t=$3 pid
	shift 3
	pid=$(init_pid "$ct")
	server "$port"
	nsenter --net=/proc/"$pid"/ns/net -- iperf3 -c 10.77.0.1 -p "$port" -t "$t" -O 1 -f k "$@" 2>&1 |
		awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Kbits/sec") printf "%.1f\n", $i / 1000}'
	server_end
}
# within VALUE TARGET PCT: |VALUE - TARGET| <= PCT% of TARGET
within() { awk -v v="$1" -v t="$2" -v p="$3" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(v != "" && d <= t * p / 100) }'; }
above() { awk -v v="$1" -v t="$2" 'BEGIN { exit !(v != "" && v > t) }'; }

# ---- bad values: exit 21, nothing saved ----
create_ct "$A" --ipadd 10.77.0.101/24
for bad in 50X 1.5M -5M 10m M 5k 17G 99999999999999999999 "50 M"; do
	expect_exit 21 cc set "$A" --ifname eth0 --rate_in "$bad" --save
done
expect_match "rate_in.*expected bits per second" "$OUT" "a bad rate's message says what is expected"
if grep -q '^rate_' "$CONF_DIR/$A.conf"; then fail "no rate saved by a refused set" "$(cat "$CONF_DIR/$A.conf")"; else ok "no rate saved by a refused set"; fi

# ---- set and saved ----
check "set --rate_in 50M --rate_out 50000k --save" cc set "$A" --ifname eth0 --rate_in 50M --rate_out 50000k --save
expect_match '^rate_in = 50M' "$(grep '^rate_in' "$CONF_DIR/$A.conf")" "rate_in saved as 50M in [netif.eth0]"
expect_match '^rate_out = 50M' "$(grep '^rate_out' "$CONF_DIR/$A.conf")" "rate_out saved in its shortest form, 50M"
start_ct "$A"
VA=veth$A.0
IFB=cifb$(ifindex "$VA")
run in_ns ip -d link show dev "$IFB"
expect_match 'ifb' "$OUT" "the upload IFB $IFB is there"
# ip prints the group as a signed number
expect_match "group ($((0x80000000 | A))|$(((0x80000000 | A) - 0x100000000))) " "$(in_ns ip -d link show dev "$IFB")" \
	"$IFB carries the container's link group"
run in_ns tc qdisc show dev "$VA"
expect_match 'qdisc tbf c511: root .*rate 50Mbit' "$OUT" "a 50 Mbit/s TBF is the root qdisc of $VA"
run in_ns tc filter show dev "$VA" ingress
log "$VA ingress: $(echo "$OUT" | grep -o 'pref [0-9]* [a-z0-9]*' | sort -u | tr '\n' ' ')"
expect_match 'pref 1 bpf' "$OUT" "the anti-spoofing filter is still on $VA (priority 1)"
expect_match 'pref 2 u32' "$OUT" "the redirect to the IFB comes after it (priority 2)"
expect_match "Egress Redirect to device $IFB" "$OUT" "the redirect goes to $IFB"

up=$(iperf "$A" 5201 6)
down=$(iperf "$A" 5202 6 -R)
log "measured at 50M: upload $up Mbit/s, download $down Mbit/s"
if within "$up" 50 10; then ok "upload 50 Mbit/s within 10% ($up)"; else fail "upload 50 Mbit/s within 10% ($up)"; fi
if within "$down" 50 10; then ok "download 50 Mbit/s within 10% ($down)"; else fail "download 50 Mbit/s within 10% ($down)"; fi

# ---- the counters: list -o fields, summed or per interface, and -j ----
run cc list -j -o ctid,eth0:in_bytes,eth0:out_bytes,in_packets,out_packets,in_drops,out_drops,spoof_drops
log "list -j: $(echo $OUT)"
jnum() { echo "$OUT" | grep -o "\"$1\": *[0-9]*" | grep -o '[0-9]*$'; }
inb=$(jnum eth0:in_bytes)
outb=$(jnum eth0:out_bytes)
log "measured counters: in_bytes $inb, out_bytes $outb (each 6 s at 50 Mbit/s: about 37 MB)"
if above "$inb" 30000000 && above "$outb" 30000000; then ok "list counts the bytes each way (in $inb, out $outb)"; else fail "list counts the bytes each way" "$OUT"; fi
for k in in_packets out_packets in_drops out_drops spoof_drops; do
	[ -n "$(jnum "$k")" ] || fail "list -j has $k as a number" "$OUT"
done
run cc list -H -o eth0:in_drops,out_drops,spoof_drops
expect_match '^ +[0-9]+ +[0-9]+ +[0-9]+$' "$OUT" "list -o prints the drop counters as columns"

# the anti-spoofing filter still drops in front of the shaper: a source address A was not given
cc exec "$A" -- ip addr add 10.77.0.199/24 dev eth0 >/dev/null 2>&1
if cc exec "$A" -- ping -c 2 -W 1 -I 10.77.0.199 10.77.0.1 >/dev/null 2>&1; then
	fail "a foreign source address is dropped while the interface is shaped"
else
	ok "a foreign source address is dropped while the interface is shaped"
fi
cc exec "$A" -- ip addr del 10.77.0.199/24 dev eth0 >/dev/null 2>&1
run cc list -H -o eth0:spoof_drops
log "spoof_drops after the foreign-source ping: $(echo $OUT)"
if above "$(echo $OUT)" 0; then ok "list counts the filter's drops (spoof_drops $(echo $OUT))"; else fail "list counts the filter's drops" "$OUT"; fi
run cc quota-report --state "$TMPD/qr.state" --format json "$A"
expect_match '"net": \[\{"ifname": "eth0", "in_bytes": [1-9][0-9]{7,}, "in_packets": [0-9]+, "in_drops": [0-9]+, "out_bytes": [1-9][0-9]{7,}, "out_packets": [0-9]+, "out_drops": [0-9]+, "spoof_drops": [0-9]+\}\]' \
	"$OUT" "quota-report JSON has the interface's counters"
run cc quota-report --state "$TMPD/qr.state" --format prom "$A"
expect_match "cellctl_net_out_bytes_total\\{ctid=\"$A\",ifname=\"eth0\"\\} [1-9][0-9]{7,}" "$OUT" \
	"quota-report Prometheus has cellctl_net_out_bytes_total for eth0"
expect_match "# TYPE cellctl_net_spoof_drops_total counter" "$OUT" "... and the drop counters' families"

# ---- a live change to 20M takes effect within 1 s ----
# What leaves a shaper is read from the kernel's counters of the device it sits on: the veth's
# transmit bytes for the download, the IFB's for the upload (/proc/net/dev of the test's netns).
# iperf3's own per-interval figures are what its application read, and a receiver descheduled on
# a busy host reads data that passed the shaper at the old rate a second late: seen once as
# 28.6 Mbit/s in the first interval after the change, with the shaper already at 20.
# samples DEV TD: DEV's transmit bytes 1, 2, 3 and 4 s after TD (microseconds since the epoch),
# as "TIME_US BYTES" lines. One process in the host netns takes the clock and reads the counter
# (/proc/net/dev, no fork between the two), so a slow process start (the emulated VM) cannot
# slip between a time and its count.
samples() {
	in_ns bash -c '
		dev=$1 td=$2
		for k in 1 2 3 4; do
			now=${EPOCHREALTIME/./}
			w=$((td + k * 1000000 - now))
			[ $w -gt 0 ] && sleep "$(printf "%d.%06d" $((w / 1000000)) $((w % 1000000)))"
			while read -r l; do
				if [[ $l == "$dev:"* ]]; then
					t=${EPOCHREALTIME/./}
					set -- ${l#*:}
					echo "$t $9"
					break
				fi
			done < /proc/net/dev
		done' samples "$1" "$2"
}
# live_change KEY DEV [-R]: a 7 s iperf3 run; 2.5 s in, KEY goes to 20M live; DEV's counter is
# read 1, 2, 3 and 4 s after the set returned. Prints "START MBIT/S" for each of the three 1 s
# windows (START: seconds after the set returned).
live_change() {
	local key=$1 dev=$2 args=${3:-} pid tc td ip log=$TMPD/iperf-$1.txt
	pid=$(init_pid "$A")
	server 5203
	nsenter --net=/proc/"$pid"/ns/net -- iperf3 -c 10.77.0.1 -p 5203 -t 7 -i 1 -f k $args >"$log" 2>&1 &
	ip=$!
	sleep 2.5
	tc=${EPOCHREALTIME/./}
	check "live set --$key 20M" cc set "$A" --ifname eth0 "--$key" 20M >&2
	td=${EPOCHREALTIME/./}
	log "live set --$key took $(((td - tc) / 1000)) ms" >&2
	samples "$dev" "$td" > "$TMPD/samples-$key.txt"
	wait "$ip"
	server_end
	log "iperf3's own intervals: $(grep -E '^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec' "$log" | awk '{ printf "%s %s; ", $3, $7 }')" >&2
	log "samples (us, bytes): $(tr '\n' ' ' < "$TMPD/samples-$key.txt")" >&2
	awk -v td="$td" 'NF == 2 { t[NR] = $1; b[NR] = $2 }
		END { for (k = 1; k < NR; k++) if (t[k + 1] > t[k]) printf "%.2f %.2f\n", (t[k] - td) / 1e6, (b[k + 1] - b[k]) * 8 / (t[k + 1] - t[k]) }' \
		"$TMPD/samples-$key.txt"
}
# check_live WHAT RESULT: the windows' mean within 10% of 20 Mbit/s, none above 25 (50 before)
check_live() {
	local mean n
	mean=$(echo "$2" | awk '{ t += $2; n++ } END { if (n) printf "%.1f", t / n }')
	n=$(echo "$2" | awk 'NF == 2 { n++ } END { print n + 0 }')
	log "measured on the shaper's device after the live change of $1 to 20M (s after the set, Mbit/s): $(echo $2), mean $mean"
	if [ "$n" = 3 ] && within "$mean" 20 10 && ! echo "$2" | awk '$2 > 25 { bad = 1 } END { exit !bad }'; then
		ok "$1 at 20 Mbit/s (mean $mean within 10%, each 1 s window <= 25) from 1 s after the live set returned"
	else
		fail "$1 at 20 Mbit/s from 1 s after the live set returned (windows: $(echo $2); mean $mean)" "$2"
	fi
}
check_live upload "$(live_change rate_out "$IFB")"
check_live download "$(live_change rate_in "$VA" -R)"
run in_ns tc qdisc show dev "$VA"
expect_match 'qdisc tbf c511: root .*rate 20Mbit' "$OUT" "the TBF of $VA was changed in place (same handle)"

# ---- two shaped containers on one bridge each get their own rate ----
create_ct "$B" --ipadd 10.77.0.102/24
check "B: rate 30M each way" cc set "$B" --ifname eth0 --rate_in 30M --rate_out 30M --save
start_ct "$B"
iperf "$A" 5204 6 >"$TMPD/a.txt" &
pa=$!
iperf "$B" 5205 6 >"$TMPD/b.txt"
wait "$pa"
ra=$(cat "$TMPD/a.txt")
rb=$(cat "$TMPD/b.txt")
log "measured together on one bridge: A upload $ra Mbit/s (limit 20M), B upload $rb Mbit/s (limit 30M)"
if within "$ra" 20 10 && within "$rb" 30 10; then ok "each shaped container gets its own rate (A $ra of 20, B $rb of 30)"; else fail "each shaped container gets its own rate (A $ra of 20, B $rb of 30)"; fi

# ---- removing the limits live restores line rate ----
check "live set --rate_in 0 --rate_out 0" cc set "$A" --ifname eth0 --rate_in 0 --rate_out ""
run in_ns ip link show dev "$IFB"
[ "$RC" != 0 ] && ok "the IFB is gone with the upload limit" || fail "the IFB is gone with the upload limit" "$OUT"
run in_ns tc qdisc show dev "$VA"
expect_match '^qdisc noqueue' "$OUT" "$VA is back to its default qdisc"
run in_ns tc filter show dev "$VA" ingress
expect_match 'pref 1 bpf' "$OUT" "the anti-spoofing filter stays"
if echo "$OUT" | grep -q 'pref 2'; then fail "the redirect filter is gone" "$OUT"; else ok "the redirect filter is gone"; fi
up=$(iperf "$A" 5206 3)
down=$(iperf "$A" 5207 3 -R)
log "measured without limits: upload $up Mbit/s, download $down Mbit/s"
if above "$up" 200 && above "$down" 200; then ok "line rate is back (well above 50M)"; else fail "line rate is back (up $up, down $down)"; fi

# ---- a failed change leaves the previous limits in force (exit 104) ----
# a foreign link holds the IFB's name: the upload side cannot be set up
in_ns ip link add "cifb$(ifindex "$VA")" type bridge
expect_exit 104 cc set "$A" --ifname eth0 --rate_in 30M --rate_out 30M
expect_match 'eth0: the previous bandwidth limits stay in force: .*exists and is not this container' "$OUT" \
	"the error says the IFB name is taken and that the previous limits stay"
run in_ns tc qdisc show dev "$VA"
expect_match '^qdisc noqueue' "$OUT" "the download side set before the failure was put back (no limit)"
in_ns ip link del "cifb$(ifindex "$VA")"
up=$(iperf "$A" 5208 3)
log "measured after the failed change: upload $up Mbit/s"
if above "$up" 200; then ok "still unlimited after the failed change ($up)"; else fail "still unlimited after the failed change ($up)"; fi

# a limit added live where there was none (the IFB, its TBF and the redirect made on the fly)
check "live set --rate_out 30M on an unlimited interface" cc set "$A" --ifname eth0 --rate_out 30M
up=$(iperf "$A" 5209 3)
log "measured after adding a 30M upload limit live: $up Mbit/s"
if within "$up" 30 10; then ok "upload limit added live: 30 Mbit/s within 10% ($up)"; else fail "upload limit added live: 30 Mbit/s within 10% ($up)"; fi

# ---- the saved config still has 50M: a restart shapes again; --netif_del takes the IFB ----
check "restart A" cc restart "$A"
IFB=cifb$(ifindex "$VA")
run in_ns tc qdisc show dev "$IFB"
expect_match 'qdisc tbf c511: root .*rate 50Mbit' "$OUT" "after a restart the saved 50M upload limit is back on $IFB"
IFBB=cifb$(ifindex "veth$B.0")
check "live --netif_del eth0 of B" cc set "$B" --netif_del eth0
run in_ns ip link show dev "$IFBB"
[ "$RC" != 0 ] && ok "--netif_del removed B's IFB $IFBB" || fail "--netif_del removed B's IFB $IFBB" "$OUT"
check "stop A" cc stop "$A"
run in_ns ip link show dev "$IFB"
[ "$RC" != 0 ] && ok "stop removed A's IFB $IFB" || fail "stop removed A's IFB $IFB" "$OUT"
check "stop B" cc stop "$B"

# ---- the routed interface venet0 is shaped the same way ----
C=$(ctid 3)
in_ns sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
create_ct "$C" --venet_ipadd 10.77.5.13
expect_exit 21 cc set "$C" --ifname venet0 --rate_in 5k --save
check "set --ifname venet0 --rate_in 30M --rate_out 30M --save" cc set "$C" --ifname venet0 --rate_in 30M --rate_out 30M --save
expect_match '^rate_in = 30M rate_out = 30M$' "$(sed -n '/^\[venet\]/,/^\[/p' "$CONF_DIR/$C.conf" | grep '^rate_' | tr '\n' ' ' | sed 's/ $//')" \
	"[venet] rate_in and rate_out saved"
start_ct "$C"
VC=venet$C
IFBC=cifb$(ifindex "$VC")
run in_ns tc qdisc show dev "$VC"
expect_match 'qdisc tbf c511: root .*rate 30Mbit' "$OUT" "a 30 Mbit/s TBF is the root qdisc of the routed $VC"
run in_ns tc qdisc show dev "$IFBC"
expect_match 'qdisc tbf c511: root .*rate 30Mbit' "$OUT" "... and of its upload IFB $IFBC"
up=$(iperf "$C" 5211 5)
down=$(iperf "$C" 5212 5 -R)
log "measured on the routed venet0 at 30M: upload $up Mbit/s, download $down Mbit/s"
if within "$up" 30 10; then ok "routed upload 30 Mbit/s within 10% ($up)"; else fail "routed upload 30 Mbit/s within 10% ($up)"; fi
if within "$down" 30 10; then ok "routed download 30 Mbit/s within 10% ($down)"; else fail "routed download 30 Mbit/s within 10% ($down)"; fi
check "live set --ifname venet0 --rate_in 10M" cc set "$C" --ifname venet0 --rate_in 10M
run in_ns tc qdisc show dev "$VC"
expect_match 'qdisc tbf c511: root .*rate 10Mbit' "$OUT" "the routed TBF changed in place to 10 Mbit/s"
down=$(iperf "$C" 5213 4 -R)
log "measured on the routed venet0 after the live change to 10M: download $down Mbit/s"
if within "$down" 10 10; then ok "routed download 10 Mbit/s within 10% after the live change ($down)"; else fail "routed download 10 Mbit/s within 10% after the live change ($down)"; fi
check "stop C" cc stop "$C"
run in_ns ip link show dev "$IFBC"
[ "$RC" != 0 ] && ok "stop removed the routed interface's IFB $IFBC" || fail "stop removed the routed interface's IFB $IFBC" "$OUT"
run cc list -a -j -o ctid,in_bytes,eth0:spoof_drops
expect_match '"in_bytes": null' "$OUT" "a stopped container's counters are null in JSON"
finish

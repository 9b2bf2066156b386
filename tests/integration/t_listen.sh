#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18, passed sockets: set --listen / --listen-del (bad specs refused with 21, a taken
# endpoint with 78 at set and at start), the sockets bound on the host side (the test's netns)
# and handed to the guest's init as fds 3.. with LISTEN_FDS, LISTEN_PID=1 and LISTEN_FDNAMES
# (checked from inside: the init is a test server, listensrv.c, that answers on them); init has
# no other fd than stdio and the sockets; the Unix socket is 0660 root's; a restart gets them
# again; a stopped container's ports are closed and its Unix socket gone; a Unix socket in a
# directory others may write is refused at start.
. "$(dirname "$0")/lib.sh"

need_template
need_listensrv
leak_snapshot
A=$(ctid 1)
B=$(ctid 2)
# a directory only root writes, in one whose ancestors only root writes too (/tmp, where $TMPD is,
# is everybody's; the VM's /run is too)
root_only() {
	local d=$1
	while :; do
		[ "$(stat -c '%u' "$d")" = 0 ] && [ $((0$(stat -c '%a' "$d") & 022)) = 0 ] && [ ! -L "$d" ] || return 1
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}
LDIR=""
for d in /run /var/lib /var/cache /root; do
	root_only "$d" && { LDIR=$d/cct-listen-$CCT_ID; break; }
done
[ -n "$LDIR" ] || skip "no directory here that only root may write (/run, /var/lib, /var/cache, /root)"
mkdir -m 755 "$LDIR"
trap 'rc=$?; umount "$LDIR/pa" 2> /dev/null; rm -rf "$LDIR"; (exit $rc); cleanup' EXIT
get() { nsenter --net="/run/netns/$NS" -- "$SRV" get "$@" 2>&1; }

create_ct "$A" --hostname lst1
create_ct "$B" --hostname lst2
# the test server is the guest's init
rm -f "$PRIV_DIR/$A/sbin/init"
install -m 755 "$SRV" "$PRIV_DIR/$A/sbin/init"

# ---- bad specs: 21, nothing saved ------------------------------------------------------------
for bad in tcp:127.0.0.1 tcp:127.0.0.1:0 tcp:127.0.0.1:70000 tcp:localhost:80 'tcp:[::1:80' unix:relative.sock \
	unix:/run/../x 'tcp:127.0.0.1:80=a:b' udp:127.0.0.1:53; do
	expect_exit 21 cc set "$A" --listen "$bad" --save
done
expect_match "expected tcp:ADDR:PORT" "$OUT" "a bad spec's message says what is expected"
expect_exit 21 cc set "$A" --listen-del tcp:127.0.0.1:9 --save
expect_match "not found" "$OUT" "--listen-del of an endpoint not in the list: not found"
grep -q '^listen' "$CONF_DIR/$A.conf" && fail "bad specs saved nothing" "$(cat "$CONF_DIR/$A.conf")" ||
	ok "bad specs saved nothing"

# ---- set, and conflicts ----------------------------------------------------------------------
check "set --listen (tcp, tcp6, unix)" cc set "$A" --listen tcp:127.0.0.1:8080=web --listen "unix:$LDIR/a.sock=app" \
	--listen 'tcp:[::1]:8081' --save
grep -qx "listen = tcp:127.0.0.1:8080=web unix:$LDIR/a.sock=app tcp:\[::1\]:8081" "$CONF_DIR/$A.conf" &&
	ok "the config holds the list" || fail "the config holds the list" "$(grep listen "$CONF_DIR/$A.conf")"
expect_exit 78 cc set "$B" --listen tcp:0.0.0.0:8080 --save
expect_match "container $A listens on tcp:127.0.0.1:8080" "$OUT" "set: the conflict names the other container"
expect_exit 78 cc set "$B" --listen "unix:$LDIR/a.sock" --save
expect_exit 78 cc set "$A" --listen tcp:0.0.0.0:8080 --save
expect_match "conflicts with its own" "$OUT" "set: a conflict within the container's own list"
# a config edited by hand: start refuses it
printf '[container]\nlisten = tcp:127.0.0.1:8080\n' >> "$CONF_DIR/$B.conf"
expect_exit 78 cc start "$B"
is_down "$B" && ok "start refused with a taken endpoint: $B is down" || fail "$B is down"
sed -i '/^listen = tcp:127.0.0.1:8080$/d' "$CONF_DIR/$B.conf"

# ---- start: the guest's init gets them ------------------------------------------------------
ENVF=$PRIV_DIR/$A/listen.env
rm -f "$ENVF"
start_ct "$A"
if wait_for 20 test -s "$ENVF"; then
	E=$(cat "$ENVF")
	expect_match '^LISTEN_FDS=3$' "$E" "LISTEN_FDS=3"
	expect_match '^LISTEN_PID=1$' "$E" "LISTEN_PID=1"
	expect_match '^pid=1$' "$E" "init is PID 1"
	expect_match '^LISTEN_FDNAMES=web:app:unknown$' "$E" "LISTEN_FDNAMES=web:app:unknown"
	for fd in 3 4 5; do
		expect_match "^fd $fd socket listening=1 cloexec=0\$" "$E" "fd $fd: a listening socket, inherited"
	done
	OTHER=$(grep '^fd ' "$ENVF" | grep -v -e '^fd [012] /dev/' -e '^fd [345] socket ' -e ' /listen.env.tmp ')
	[ -z "$OTHER" ] && ok "init has no other fd than stdio and the three sockets" ||
		fail "init has no other fd than stdio and the three sockets" "$E"
else
	fail "the guest's init wrote $ENVF"
fi
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web lst1" ] && ok "a client in the host's netns gets the guest's answer (tcp)" ||
	fail "a client in the host's netns gets the guest's answer (tcp)" "$R"
R=$(get tcp ::1 8081)
[ "$R" = "hello unknown lst1" ] && ok "the same over IPv6" || fail "the same over IPv6" "$R"
R=$(get unix "$LDIR/a.sock")
[ "$R" = "hello app lst1" ] && ok "the same over the Unix socket" || fail "the same over the Unix socket" "$R"
[ "$(stat -c '%a %u %g %F' "$LDIR/a.sock")" = "660 0 0 socket" ] && ok "the Unix socket is 0660 root's" ||
	fail "the Unix socket is 0660 root's" "$(stat -c '%a %u %g %F' "$LDIR/a.sock")"

# ---- restart: again -------------------------------------------------------------------------
rm -f "$ENVF"
check "restart $A" cc restart "$A"
wait_for 20 test -s "$ENVF"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web lst1" ] && ok "after a restart the guest answers again" || fail "after a restart the guest answers again" "$R"

# ---- a hostile guest: an accepted connection is a socket of the host's netns; disconnected and
# connected again it would reach the host's loopback services. Its cgroup refuses every connect.
SVC=$TMPD/svc.log
nsenter --net="/run/netns/$NS" -- python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8099))
s.listen()
open(sys.argv[1], "w").close()
c, a = s.accept()
open(sys.argv[1], "w").write("connected from %s\n" % (a,))
' "$SVC" &
SVCPID=$!
wait_for 10 test -e "$SVC"
echo "127.0.0.1 8099" > "$PRIV_DIR/$A/listen.escape"
get tcp 127.0.0.1 8080 > /dev/null
if wait_for 10 test -s "$PRIV_DIR/$A/listen.escape.result"; then
	expect_match '^EPERM$' "$(cat "$PRIV_DIR/$A/listen.escape.result")" \
		"the guest cannot connect an accepted host-netns socket anywhere (EPERM)"
else
	fail "the hostile guest wrote its result"
fi
sleep 0.2
[ -s "$SVC" ] && fail "the host's loopback service was reached from the guest" "$(cat "$SVC")" ||
	ok "the host's loopback service was not reached"
kill "$SVCPID" 2> /dev/null
wait "$SVCPID" 2> /dev/null
rm -f "$PRIV_DIR/$A/listen.escape" "$PRIV_DIR/$A/listen.escape.result"
R=$(get tcp 127.0.0.1 8080)
[ "$R" = "hello web lst1" ] && ok "the guest answers as before" || fail "the guest answers as before" "$R"

# ---- a start from a cgroup that saw a cgroup.kill: kernels with cgroup kill_seq SIGKILL a child
# cloned into a cgroup that saw another number of them (the sockets' maker, cloned into its leaf):
# it is forked again and moves itself; the connect refusal holds
check "stop $A for the killed-cgroup start" cc stop "$A" --fast
kcg=""
for d in $(cg_self_dirs); do [ "$(stat -f -c %T "$d")" = cgroup2fs ] && kcg="$d/$CG_NAME-killed" && break; done
if [ -n "$kcg" ] && mkdir "$kcg" && echo 1 > "$kcg/cgroup.kill"; then
	cp /proc/self/cgroup "$TMPD/self.cgroup"
	rm -f "$ENVF"
	run env CELLCTL_PROC_SELF_CGROUP="$TMPD/self.cgroup" bash -c 'echo $$ > "$1/cgroup.procs" || exit 9
		nsenter --net="/run/netns/$2" -- "$3" start "$4"' _ "$kcg" "$NS" "$CELLCTL" "$A"
	[ "$RC" = 0 ] && ok "start from a cgroup that saw a cgroup.kill" || fail "start from a killed cgroup (exit $RC)" "$OUT"
	rmdir "$kcg"
	wait_for 20 test -s "$ENVF"
	R=$(get tcp 127.0.0.1 8080)
	[ "$R" = "hello web lst1" ] && ok "the guest answers after a start from a killed cgroup" ||
		fail "the guest answers after a start from a killed cgroup" "$R"
	echo "127.0.0.1 8099" > "$PRIV_DIR/$A/listen.escape"
	get tcp 127.0.0.1 8080 > /dev/null
	wait_for 10 test -s "$PRIV_DIR/$A/listen.escape.result"
	expect_match '^EPERM$' "$(cat "$PRIV_DIR/$A/listen.escape.result" 2> /dev/null)" \
		"the connect refusal holds for the sockets made after a killed-cgroup start"
	rm -f "$PRIV_DIR/$A/listen.escape" "$PRIV_DIR/$A/listen.escape.result"
else
	warn "no cgroup2 hierarchy with cgroup.kill here: the killed-cgroup start is not checked"
	start_ct "$A"
fi

# ---- stop: closed ---------------------------------------------------------------------------
check "stop $A" cc stop "$A" --fast
R=$(get tcp 127.0.0.1 8080)
expect_match "refused" "$R" "a stopped container's tcp port is closed"
[ -e "$LDIR/a.sock" ] && fail "a stopped container's Unix socket is gone" || ok "a stopped container's Unix socket is gone"

# ---- a Unix socket where others may write (the tcp one is bound first: it must go again): refused at start ------------------------------------
check "listen-del the unix socket" cc set "$A" --listen-del "unix:$LDIR/a.sock" --save
check "a unix socket under $TMPD (in /tmp)" cc set "$A" --listen "unix:$TMPD/b.sock" --save
expect_exit 21 cc start "$A"
expect_match "must belong to root and be writable by nobody else" "$OUT" "start: a directory others may write is refused"
is_down "$A" && ok "$A is down after the refused start" || fail "$A is down after the refused start"
R=$(get tcp 127.0.0.1 8080)
expect_match "refused" "$R" "the refused start left no socket open"
# the private areas reached under another name (a bind of private_dir): refused by identity
mkdir "$LDIR/pa" && mount --bind "$PRIV_DIR" "$LDIR/pa" && mount -o remount,bind,ro "$LDIR/pa"
check "a unix socket in private_dir under another name" cc set "$A" --listen-del "unix:$TMPD/b.sock" \
	--listen "unix:$LDIR/pa/c.sock" --save
expect_exit 21 cc start "$A"
expect_match "is a private area or a read-write bind" "$OUT" "start: the private areas under another name are refused"
is_down "$A" && ok "$A is down after that refused start" || fail "$A is down after that refused start"
umount "$LDIR/pa"
check "listen-del all" cc set "$A" --listen-del all --save
grep -q '^listen' "$CONF_DIR/$A.conf" && fail "listen-del all empties the list" || ok "listen-del all empties the list"

check "destroy $A" cc destroy "$A"
check "destroy $B" cc destroy "$B"
finish

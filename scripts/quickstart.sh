#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/quickstart.sh: from a fresh Debian 12 (as root) to a running container 101.
# Installs the build dependencies, builds out of tree in ./_build, installs (prefix /usr, config in
# /etc/cellctl), builds the default busybox template, creates container 101 and starts it, then
# shows it with `cellctl list`, `cellctl exec 101 -- ps` and `cellctl status 101`.
# Re-runnable: an existing template is kept, and when 101 exists (and runs) it is only shown.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
[ "$(id -u)" = 0 ] || { echo "quickstart: run as root" >&2; exit 1; }
say() { printf '\n==> %s\n' "$*"; }

say "installing build dependencies (apt)"
bash scripts/deps.sh

say "building"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p _build
cd _build
if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
	../configure -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var
fi
if ! make -j2 > build.log 2>&1 || ! make install >> build.log 2>&1; then
	tail -n 40 build.log
	echo "quickstart: the build failed (full log: _build/build.log)" >&2
	exit 1
fi
cd "$top"
hash -r
CELLCTL=$(command -v cellctl || echo /usr/sbin/cellctl)
unset CELLCTL_CONF
echo "installed $CELLCTL"

say "cellctl template build busybox"
if "$CELLCTL" template list 2>/dev/null | grep -qw busybox; then
	echo "template busybox is in the cache already"
else
	"$CELLCTL" template build busybox
fi
"$CELLCTL" template list

status=$("$CELLCTL" status 101 || true)
if [ "$status" = "CTID 101 deleted" ]; then
	say "cellctl create 101"
	# containers get a user namespace by default; a host that cannot create one (inside a
	# chroot, or user.max_user_namespaces=0) gets a privileged demo container instead
	if unshare --user true 2>/dev/null; then
		"$CELLCTL" create 101 --hostname ct101
	else
		echo "this host cannot create user namespaces (a chroot, or user.max_user_namespaces=0):"
		echo "creating the demo container without one (--userns no)"
		"$CELLCTL" create 101 --hostname ct101 --userns no
	fi
fi
if [ "$("$CELLCTL" status 101)" != "CTID 101 exist running" ]; then
	say "cellctl start 101"
	"$CELLCTL" start 101
else
	echo "container 101 is running already"
fi

say "cellctl list"
"$CELLCTL" list
say "cellctl exec 101 -- ps"
"$CELLCTL" exec 101 -- ps
say "cellctl status 101"
"$CELLCTL" status 101
cat <<'TXT'

Container 101 runs. Try:  cellctl enter 101   cellctl exec 101 -- hostname   cellctl stop 101
Full test suite:          bash scripts/test-all.sh
TXT

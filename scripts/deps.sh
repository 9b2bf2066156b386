#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/deps.sh [--vm] [--bench]: install what building and testing cellctl needs on Debian 12.
# Quiet and idempotent: apt is not touched when everything is present already.
#   --vm     also what tests/vm/run needs (qemu-system-x86, cpio)
#   --bench  also the peers bench/lifecycle compares against (lxc, systemd-container), when apt has them
set -euo pipefail
vm=0 bench=0
for a in "$@"; do
	case "$a" in
	--vm) vm=1 ;;
	--bench) bench=1 ;;
	*) echo "usage: scripts/deps.sh [--vm] [--bench]" >&2; exit 2 ;;
	esac
done
build="autoconf automake libtool pkg-config make gcc libc6-dev libnl-3-dev libnl-route-3-dev libcap-dev
 uuid-dev libiniparser-dev libarchive-dev libcmocka-dev libseccomp-dev libcrypt-dev zlib1g-dev"
run="busybox-static iproute2 util-linux procps python3 zstd xz-utils bzip2 gzip tar cpio mmdebstrap"
# bsdtar: t_tpl_hostile_deep prints libarchive's own times beside cellctl's
run="$run libarchive-tools"
# iperf3: t_net_rate measures the bandwidth limits
run="$run iperf3"
# xfsprogs: t_quota_enforced checks df inside on XFS with project quota too (in the VM)
run="$run xfsprogs"
# lxcfs, fuse3 (fusermount): t_lxcfs runs a private lxcfs of its own on a temp mount point (also in
# the VM, which sees this root). The package's own unit is left as Debian ships it (an admin wants
# it for the guests' views); the tests never use it: lib.sh points [lxcfs] mount_point elsewhere
run="$run lxcfs fuse3"
# criu, iptables: chkpnt and restore (t_criu: the round trip in the VM; CRIU's network lock runs
# iptables-restore)
run="$run criu iptables"
# openssh-server, openssh-client: t_migrate runs a real sshd of its own inside a test netns (the
# package's own service is not used). Installed here (it was missing), its service is neither
# started nor enabled: a test run must not open port 22 on the host (see below)
run="$run openssh-server openssh-client"
pkgs="$build $run"
# the libFuzzer harnesses (tests/fuzz, CI stage fuzz)
pkgs="$pkgs clang libclang-rt-dev"
[ $vm = 1 ] && pkgs="$pkgs qemu-system-x86 cpio"
[ $bench = 1 ] && pkgs="$pkgs lxc systemd-container"

if [ "$(id -u)" != 0 ]; then
	echo "scripts/deps.sh: run as root (apt-get)" >&2
	exit 1
fi
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -n "$missing" ] || exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/cellctl-deps-update
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	apt-get update -qq >/dev/null
	mkdir -p "${stamp%/*}" && touch "$stamp"
fi
# the peers are optional: install them only when the archive has them
if [ $bench = 1 ]; then
	for p in lxc systemd-container; do
		apt-cache show "$p" >/dev/null 2>&1 || missing=${missing// $p/}
	done
fi
# a package this run installs starts no service (policy-rc.d), and the sshd that openssh-server
# would enable at boot is disabled again: the tests run their own, inside a test netns
newsshd=0
case " $missing " in *" openssh-server "*) newsshd=1 ;; esac
policy=/usr/sbin/policy-rc.d
ownpolicy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# cellctl scripts/deps.sh: no service starts while it installs packages\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	ownpolicy=1
fi
rc=0
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ $ownpolicy = 1 ] && rm -f "$policy"
if [ $newsshd = 1 ] && [ -d /etc/systemd/system ]; then
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		systemctl disable --quiet ssh.service ssh.socket 2>/dev/null || true
	else
		rm -f /etc/systemd/system/multi-user.target.wants/ssh.service /etc/systemd/system/sshd.service \
			/etc/systemd/system/sockets.target.wants/ssh.socket
	fi
fi
[ $rc = 0 ] || exit $rc

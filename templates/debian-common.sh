# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared by the debian-* template recipes (sourced with ".", not run; bash only).
# A recipe sets RECIPE (its name, for messages) and DEB_SUITE, sources this file, then calls
#   deb_init "$@"                     argument checks, sets DEB_ROOT
#   deb_bootstrap PACKAGE...          mmdebstrap (minbase + the common packages + PACKAGE...)
#   deb_adjust                        adjustments every Debian container needs
#   ...its own adjustments...
#   deb_finish                        cleanup (apt, logs, /tmp, /run) and a summary
# Environment (all optional):
#   DEBIAN_MIRROR           archive URI (default: the host's Debian mirror, else deb.debian.org)
#   DEBIAN_SECURITY_MIRROR  security URI (default: the host's, else deb.debian.org/debian-security);
#                           "none" leaves the security suite out
#   DEBIAN_COMPONENTS       components (default: main)
#   DEBIAN_EXTRA_PACKAGES   more packages to install, comma or space separated

# The packages every Debian template gets on top of minbase: what a VPS user expects.
DEB_COMMON_PACKAGES=(openssh-server iproute2 ifupdown iputils-ping netbase procps less ca-certificates)

deb_die() {
	echo "$RECIPE recipe: $*" >&2
	exit 1
}

deb_msg() {
	echo "$RECIPE recipe: $*" >&2
}

# Run a command inside the new tree, with a clean environment.
deb_chroot() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 chroot "$DEB_ROOT" "$@"
}

# Write stdin to a file of the tree (path relative to it), with a mode.
deb_file() {
	local path=$1 mode=${2:-0644}
	mkdir -p "$DEB_ROOT/$(dirname "$path")"
	cat >"$DEB_ROOT/$path"
	chmod "$mode" "$DEB_ROOT/$path"
}

deb_init() {
	[ $# -eq 1 ] || deb_die "usage: $0 ROOTDIR"
	DEB_ROOT=$1
	[ -d "$DEB_ROOT" ] || deb_die "$DEB_ROOT is not a directory"
	[ -z "$(ls -A "$DEB_ROOT")" ] || deb_die "$DEB_ROOT is not empty"
	[ "$(id -u)" = 0 ] || deb_die "must run as root"
	command -v mmdebstrap >/dev/null || deb_die "mmdebstrap not found (apt-get install mmdebstrap)"
	command -v apt-config >/dev/null || deb_die "apt not found: the recipe uses the host's apt and mmdebstrap"
	umask 022
	DEB_T0=$SECONDS
}

# Find the host's Debian archive and security mirrors from apt's own view of its sources
# (sources.list and deb822 .sources alike): apt-get indextargets names each configured
# repository with the Origin and Label of its Release file when the lists are there.
deb_host_mirrors() {
	local site rel origin label main="" sec=""
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	local fmt='$(SITE)|$(RELEASE)|$(ORIGIN)|$(LABEL)'
	while IFS='|' read -r site rel origin label; do
		[ -n "$site" ] || continue
		if [[ $rel == *-security || $rel == */updates || $label == Debian-Security ]]; then
			[ -n "$sec" ] || sec=$site
		elif [ "$origin" = Debian ] ||
			{ [ -z "$origin" ] && [[ $rel =~ ^(buster|bullseye|bookworm|trixie|forky|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates)?$ ]]; }; then
			# a Debian archive: by its Release file, or (lists not fetched yet) by its suite
			[ -n "$main" ] || main=$site
		fi
	done < <(apt-get indextargets --format "$fmt" 'Created-By: Packages' 2>/dev/null | awk '!seen[$0]++')
	DEB_MIRROR=${DEBIAN_MIRROR:-${main:-http://deb.debian.org/debian}}
	DEB_SECURITY=${DEBIAN_SECURITY_MIRROR:-${sec:-http://deb.debian.org/debian-security}}
}

# deb822 sources for the guest (also what mmdebstrap fetches from).
deb_sources() {
	local comps=${DEBIAN_COMPONENTS:-main}
	cat <<EOF
Types: deb
URIs: $DEB_MIRROR
Suites: $DEB_SUITE $DEB_SUITE-updates
Components: $comps
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	[ "$DEB_SECURITY" = none ] && return 0
	cat <<EOF

Types: deb
URIs: $DEB_SECURITY
Suites: $DEB_SUITE-security
Components: $comps
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# The few settings of the host's apt that fetching needs (a proxy, a snapshot mirror's old
# Release dates). They go to the chroot's 99mmdebstrap, which deb_finish removes again.
deb_apt_opts() {
	local CVU="" CD="" HP="" HSP=""
	eval "$(apt-config shell CVU Acquire::Check-Valid-Until CD Acquire::Check-Date HP Acquire::http::Proxy HSP Acquire::https::Proxy)"
	DEB_APTOPTS=(--aptopt='Acquire::Languages "none"')
	[ -n "$CVU" ] && DEB_APTOPTS+=(--aptopt="Acquire::Check-Valid-Until \"$CVU\"")
	[ -n "$CD" ] && DEB_APTOPTS+=(--aptopt="Acquire::Check-Date \"$CD\"")
	[ -n "$HP" ] && DEB_APTOPTS+=(--aptopt="Acquire::http::Proxy \"$HP\"")
	[ -n "$HSP" ] && DEB_APTOPTS+=(--aptopt="Acquire::https::Proxy \"$HSP\"")
	return 0
}

deb_bootstrap() {
	deb_host_mirrors
	deb_apt_opts
	local pkgs=("${DEB_COMMON_PACKAGES[@]}" "$@")
	local extra=${DEBIAN_EXTRA_PACKAGES:-}
	extra=${extra//,/ }
	# shellcheck disable=SC2206
	[ -n "$extra" ] && pkgs+=($extra)
	local IFS=,
	deb_msg "bootstrapping Debian $DEB_SUITE from $DEB_MIRROR (security: $DEB_SECURITY)"
	deb_msg "packages: minbase + ${pkgs[*]}"
	unset IFS
	# merged /usr the debootstrap way (symlinks + usr-is-merged): the usrmerge package that
	# init-system-helpers would pull in otherwise brings perl, ~50 MB
	local hooks=()
	[ -d /usr/share/mmdebstrap/hooks/merged-usr ] && hooks=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
	local t=$SECONDS
	deb_sources | mmdebstrap --mode=root --format=directory --variant=minbase "${hooks[@]}" \
		--include="$(
			IFS=,
			echo "${pkgs[*]}"
		)" \
		"${DEB_APTOPTS[@]}" "$DEB_SUITE" "$DEB_ROOT" - ||
		deb_die "mmdebstrap failed"
	deb_msg "mmdebstrap done in $((SECONDS - t)) s"
}

deb_adjust() {
	local R=$DEB_ROOT

	# apt: our sources in the Debian 12 place, no host settings
	rm -f "$R/etc/apt/sources.list" "$R"/etc/apt/sources.list.d/0000* "$R/etc/apt/apt.conf.d/99mmdebstrap"
	deb_sources | deb_file etc/apt/sources.list.d/debian.sources

	# empty: systemd derives the id from $container_uuid, cellctl fills it for other inits
	: >"$R/etc/machine-id"
	chmod 0444 "$R/etc/machine-id"
	rm -f "$R/var/lib/dbus/machine-id"

	# no host keys in the image: every container generates its own at first boot
	rm -f "$R"/etc/ssh/ssh_host_*

	# root's password locked ("*"): use cellctl enter/exec, or set one
	deb_chroot usermod -p '*' root

	# cellctl writes hostname, hosts and resolv.conf at start; mmdebstrap copied the host's
	echo localhost >"$R/etc/hostname"
	: >"$R/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n' >"$R/etc/hosts"

	# what checkroot.sh (sysvinit) or systemd-tmpfiles would make at boot
	ln -sfn ../proc/self/mounts "$R/etc/mtab"

	deb_file etc/fstab <<'EOT'
# /etc/fstab: static file system information.
# A cellctl container's /, /proc, /sys, /dev and /dev/pts are set up by cellctl.
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
EOT

	# ifupdown: loopback here, the container's interfaces in interfaces.d
	mkdir -p "$R/etc/network/interfaces.d"
	deb_file etc/network/interfaces <<'EOT'
# interfaces(5) file used by ifup(8) and ifdown(8)
# Include files from /etc/network/interfaces.d:
source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback
EOT
}

deb_finish() {
	local R=$DEB_ROOT
	deb_chroot apt-get clean
	rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/debconf/*-old \
		"$R"/var/lib/dpkg/*-old "$R"/var/log/apt/* "$R"/var/log/*.log
	mkdir -p "$R/var/lib/apt/lists/partial"
	rm -rf "${R:?}"/tmp/* "${R:?}"/var/tmp/* "${R:?}"/run/*
	deb_msg "tree ready in $((SECONDS - DEB_T0)) s: $(du -sh --apparent-size "$R" | cut -f1) ($(find "$R" -xdev | wc -l) entries)"
}

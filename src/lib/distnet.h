/* SPDX-License-Identifier: GPL-2.0-or-later */
/* distnet: the guest distribution's own network configuration for the container's interfaces,
 * rendered as text from the container config (pure: no I/O; guestnet.c reads and writes the
 * guest's files symlink-safely).
 *
 * Why: cellctl configures the guest side by netlink before init (addresses, an on-link route to
 * an off-subnet gateway, the default routes). The guest's own network service starts later and
 * must bring up the same state, and a restart of that service must restore it.
 *
 * Which writer (dnet_choose): a small per-family table keyed by os-release ID / ID_LIKE. The
 * Debian family (debian, ubuntu, devuan, raspbian, linuxmint, kali, pop) gets
 *  - ifupdown files when ifupdown is there (/etc/network/interfaces, /sbin/ifup or /usr/sbin/ifup);
 *  - systemd-networkd files when networkd is enabled (a systemd-networkd.service entry in some
 *    /etc/systemd/system/ *.wants/ directory);
 * both when both are. Any other guest (busybox, unknown) gets nothing.
 *
 * ifupdown: "iface IF inet manual" with "up ip ... replace" commands. ifupdown 0.8's
 * "inet static"/"inet6 static" run "ip addr add", which fails ("Address already assigned") on the
 * addresses cellctl has already set, so ifup and networking.service would fail; "replace" is
 * idempotent, so the first ifup at boot and every later restart end in the same state.
 *
 * Gateways: as at start, where each interface's default route replaces the previous one, the
 * default route of a family goes on the LAST interface that has a gateway of that family; every
 * interface whose gateway is outside its subnets (and not IPv6 link-local) gets the on-link host
 * route to it. DNS (nameservers, search domains) goes on the first interface written.
 *
 * Interface names that are not plain [A-Za-z0-9_.@-] (they would end up in shell commands) and
 * invalid addresses are left out. Every file starts with DNET_OURS_MARK, which is how cellctl
 * recognises (and may rewrite or remove) its own files. */
#pragma once
#include <stdbool.h>

#include "config.h"

#define DNET_OURS_MARK "# cellctl: generated"
#define DNET_BLOCK_BEGIN "# cellctl: begin"
#define DNET_BLOCK_END "# cellctl: end"
#define DNET_IFUPDOWN_MAIN "/etc/network/interfaces"
#define DNET_IFUPDOWN_DIR "/etc/network/interfaces.d"
#define DNET_IFUPDOWN_FILE "cellctl" /* in DNET_IFUPDOWN_DIR */
#define DNET_NETWORKD_DIR "/etc/systemd/network"
#define DNET_NETWORKD_PREFIX "10-cellctl-" /* + IFNAME + DNET_NETWORKD_SUFFIX */
#define DNET_NETWORKD_SUFFIX ".network"

enum dnet_writer {
	DNET_IFUPDOWN = 1u << 0,
	DNET_NETWORKD = 1u << 1,
};

/* The value of key in os-release text (quotes and escapes removed); NULL when absent. */
char *dnet_osrel_value(const char *text, const char *key);
/* The family name ("debian") for os-release text, or NULL for a guest we write nothing for. */
const char *dnet_family(const char *os_release);
/* The writers (DNET_*) for a guest: its family's writers that are present/enabled. */
unsigned dnet_choose(const char *os_release, bool has_ifupdown, bool networkd_enabled);

/* Is text a file that cellctl generated (its first line starts with DNET_OURS_MARK)? */
bool dnet_is_ours(const char *text);
/* May this interface name go into the files? */
bool dnet_ifname_ok(const char *name);

/* ---- ifupdown ---- */

/* The stanzas for c's interfaces, except those whose bit (1 << index) is set in skip; nameservers
 * and search are space-separated lists (NULL: none). "" when there is nothing to write. */
char *dnet_ifupdown_stanzas(const struct ct_config *c, const char *nameservers, const char *search, unsigned skip);
/* A whole interfaces.d file: our header and the stanzas; NULL when stanzas is empty. */
char *dnet_ifupdown_file(unsigned ctid, const char *stanzas);
/* The main file with our block (DNET_BLOCK_BEGIN ... DNET_BLOCK_END) holding stanzas: an old
 * block is replaced in place, else the block is appended; stanzas NULL or "" removes the block.
 * old NULL (no file) starts from a loopback stanza. Lines outside the block are kept. Returns
 * NULL when old is NULL and there is nothing to write. */
char *dnet_ifupdown_main_edit(const char *old, unsigned ctid, const char *stanzas);
/* Does the main file read DNET_IFUPDOWN_DIR ("source /etc/network/interfaces.d/ *",
 * "source-directory /etc/network/interfaces.d", or the same relative to /etc/network)? */
bool dnet_ifupdown_sources_dir(const char *main_text);
/* Bit (1 << k) for each c->netif[k] that text declares ("iface NAME ...") outside our block. */
unsigned dnet_ifupdown_declared(const char *text, const struct ct_config *c);

/* ---- systemd-networkd ---- */

/* The .network file for c->netif[k]; NULL when that interface has nothing to configure (no
 * address and no gateway) or an unusable name. */
char *dnet_networkd_render(const struct ct_config *c, unsigned k, const char *nameservers, const char *search);
/* The file name for interface name: DNET_NETWORKD_PREFIX NAME DNET_NETWORKD_SUFFIX. */
char *dnet_networkd_name(const char *ifname);

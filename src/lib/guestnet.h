/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestnet: the guest's /etc/hostname, /etc/hosts and /etc/resolv.conf, written from the host.
 *
 * Every access goes through fsutil's guest_open / guest_write_file (openat2 RESOLVE_IN_ROOT from
 * a dirfd of the private area): a guest symlink such as /etc/resolv.conf -> /host/file resolves
 * inside the guest, and a write replaces the file (or the symlink itself) by rename, so nothing
 * outside the private area is ever written.
 *
 * What is written:
 *  - /etc/hostname: the hostname and a newline.
 *  - /etc/hosts: other lines are kept. One line "ADDR\tHOST[ SHORT]\t# cellctl" is (re)placed
 *    after the 127.0.0.1 line; ADDR is the container's first configured IPv4 address, else its
 *    first IPv6 address, else 127.0.1.1. Lines we wrote before, 127.0.1.1 lines, and the names
 *    HOST/SHORT on other lines are dropped first. A missing "127.0.0.1 localhost" line is added.
 *  - /etc/resolv.conf: with a nameserver list, the "nameserver" lines are replaced by one per
 *    server; with a search list, the "search"/"domain" lines by one "search" line. Other lines
 *    (options, comments) are kept. "inherit" takes the host's /etc/resolv.conf values (loopback
 *    servers such as 127.0.0.53 are skipped: inside the guest they would be the guest itself).
 *  Unset values (NULL) leave the corresponding file or lines alone.
 *  - the distribution's network configuration (gnet_write_netconf, rendered by distnet.h): for a
 *    Debian-family guest, /etc/network/interfaces.d/cellctl (when the main file sources that
 *    directory) or a "# cellctl: begin" ... "# cellctl: end" block in /etc/network/interfaces, when
 *    ifupdown is there; /etc/systemd/network/10-cellctl-IFNAME.network when systemd-networkd is
 *    enabled. Files cellctl generated (first line DNET_OURS_MARK) are rewritten, or removed when
 *    their interface is gone or has nothing left to configure; a file of that name without the
 *    mark is the admin's and is never written or removed. An interface that the guest's own
 *    ifupdown files declare ("iface IF") gets no stanza from cellctl.
 *
 * Opt-out (documented in cellctl(8)): a file is left untouched when one of its first 5 lines
 * starts with "# cellctl: keep", or when its owner has no write permission (chmod u-w). An
 * opted-out /etc/network/interfaces opts out of all ifupdown configuration. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

#define GNET_KEEP_MARKER "# cellctl: keep"
#define GNET_KEEP_LINES 5

/* ---- pure text transforms (malloc'd results) ---- */

/* Opted out? text: the file's contents (NULL: none); mode: its st_mode (0: no file). */
bool gnet_opted_out(const char *text, mode_t mode);
/* New /etc/hosts from old (NULL: none) for hostname, ADDR addr (NULL: 127.0.1.1). */
char *gnet_hosts_edit(const char *old, const char *hostname, const char *addr);
/* New /etc/resolv.conf from old (NULL: none); nameservers / search: space-separated lists, NULL
 * (or empty) keeps those lines as they are. */
char *gnet_resolv_render(const char *old, const char *nameservers, const char *search);
/* Values from a host resolv.conf: key "nameserver" (all servers, loopback ones skipped) or "search"
 * (the last search/domain line). Space-separated; "" when none. */
char *gnet_resolv_values(const char *host_text, const char *key);
/* The address for the hosts line: first IPv4, else first IPv6 of c (no prefix), else NULL. */
char *gnet_hosts_addr(const struct ct_config *c);

/* ---- guest files (rootfd: dirfd of the private area) ---- */

/* All the files from c (those whose values are set; then the distribution's network files). uid/gid: the owner, the container's root
 * as the host sees it (uid_base for a userns container, else 0). A guest without /etc is skipped.
 * cerr(EX_SYSTEM / EX_BADHOSTNAME / EX_BADDNS) naming the file. */
int gnet_write_files(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid);
/* Single pieces, for live set --hostname / --nameserver / --searchdomain / --ipadd. Each also
 * brings the distribution's network files up to date: set calls the first when addresses or
 * interfaces change, the second when the DNS servers do. */
int gnet_write_hostname(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid);
int gnet_write_resolv(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid);
/* The distribution's network configuration alone (see above); nothing for a guest outside the
 * families distnet.c knows. cerr(EX_SYSTEM) naming the file. */
int gnet_write_netconf(int rootfd, const struct ct_config *c, uid_t uid, gid_t gid);
/* Live: sethostname() in the UTS namespace of guest_pid (and back). */
int gnet_set_hostname_live(pid_t guest_pid, const char *hostname);

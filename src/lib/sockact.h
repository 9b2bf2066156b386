/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passed sockets, the host side (cellctl.8, --listen): the conflict check between containers,
 * the sockets bound in the network namespace cellctl runs in (the monitor holds them for the
 * container's life and hands them to each boot's init as fds 3 and up, sd_listen_fds style), and
 * their release. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "config.h"
#include "sockspec.h"

/* The container's sockets, bound. */
struct sockact_set {
	unsigned n;
	int fds[SOCKSPEC_MAX];
	struct sock_spec sp[SOCKSPEC_MAX];
	char names[SOCKSPEC_MAX * (SOCKSPEC_NAME_MAX + 1) + 8]; /* LISTEN_FDNAMES */
};

/* Refuse c's listen list when it is malformed (EX_BADVALUE), when two of its own endpoints
 * conflict, or one conflicts with an endpoint of another container's config (EX_IPINUSE; see
 * sockspec_conflict), naming both. 0 when c has none. */
int sockact_check_conflicts(const struct gconf *g, const struct ct_config *c);
/* Bind c's sockets in our network namespace: TCP with SO_REUSEADDR (IPv6 v6only), Unix at its
 * path (mode 0660, root's; its directory and each one above owned by root and writable by nobody
 * else, not in a private area nor under a read-write bind mount of c; a stale socket there is
 * replaced, a live one or another file refused), all close-on-exec, listening with a backlog of
 * 128. On failure nothing stays bound; cerr EX_IPINUSE (address in use), EX_BADVALUE (an unsafe or
 * occupied Unix path), EX_ENVCREATE (others). */
/* cg: the container's cgroup paths (its TCP sockets are made beside them, sockguard.h). */
int sockact_open(const struct gconf *g, const struct ct_config *c, const struct cg_paths *cg, struct sockact_set *s);
/* Close the sockets and remove the Unix sockets' files (when they still are sockets). */
void sockact_close(struct sockact_set *s);
/* Close our descriptors only (another process holds the sockets now). */
void sockact_forget(struct sockact_set *s);
/* What idleness looked at last: the connections of the sockets' endpoints seen. */
#define SOCKACT_SEEN_MAX 256
struct sockact_seen {
	unsigned n;
	uint64_t h[SOCKACT_SEEN_MAX];
};
/* Is anything using the sockets of s: a connection on one of their TCP endpoints that is open, or
 * one not in seen (the last look; TIME_WAIT keeps a short connection visible for a minute on the
 * side that closed first), a connection waiting in a listener's accept queue, or a connected
 * Unix socket at one of their paths? seen becomes this look's. Read from /proc/net/tcp, tcp6 and
 * unix of our network namespace (the sockets'). */
bool sockact_busy(const struct sockact_set *s, struct sockact_seen *seen);
/* Pure: the same from the text of /proc/net/tcp (v6 false) or tcp6 (v6 true), against prev (may
 * be NULL), adding what it sees to cur (may be NULL); or of /proc/net/unix. */
bool sockact_busy_tcp(const struct sockact_set *s, const char *text, bool v6, const struct sockact_seen *prev,
		      struct sockact_seen *cur);
bool sockact_busy_unix(const struct sockact_set *s, const char *text);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monitor's side of the sysinfo interception: the seccomp listeners of a container (its
 * init's, one per exec/enter), polled in the monitor's loop; each sysinfo(2) notification is
 * answered with the container's view (sysview.h), written into the caller's memory. Everything
 * the guest hands us (the pointer, the notifying pid) is hostile; nothing here blocks on it. */
#pragma once
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

#define SYSNOTIF_MAX 128    /* listeners kept at once */
#define SYSNOTIF_PENDING 16 /* exec clients whose listener is still to come */
#define SYSNOTIF_BATCH 64   /* notifications answered per listener per poll round */

struct sysnotif {
	const struct cg_paths *cg;
	unsigned long long init_start; /* this boot's init start (clock ticks since the host booted) */
	int fds[SYSNOTIF_MAX];
	unsigned n;
	int pending[SYSNOTIF_PENDING];
	unsigned npending;
	bool full_logged;
	unsigned long answered, passed; /* notifications answered / left to the kernel */
};

void sysnotif_init(struct sysnotif *s, const struct cg_paths *cg);
/* Keep a listener fd (taken over; closed at once when SYSNOTIF_MAX are kept already). */
void sysnotif_add(struct sysnotif *s, int fd);
/* An exec client that announced "sysinfo-listener": its listener comes later over conn (taken
 * over), as one byte with the fd (SCM_RIGHTS); EOF instead means none. */
void sysnotif_add_client(struct sysnotif *s, int conn);
/* Fill p (room for max entries) with the fds to poll; returns how many. */
size_t sysnotif_pollfds(const struct sysnotif *s, struct pollfd *p, size_t max);
/* After poll: answer what the listeners hold (at most SYSNOTIF_BATCH each), drop the listeners
 * nobody uses any more (POLLHUP), take the listeners the clients sent. p, n: what
 * sysnotif_pollfds filled in, with the revents poll set. */
void sysnotif_handle(struct sysnotif *s, const struct pollfd *p, size_t n);
/* Close everything. */
void sysnotif_close(struct sysnotif *s);

/* Take a listener fd from a message on conn (one byte, SCM_RIGHTS): the fd, -1 when the message
 * had none, -errno (EAGAIN: nothing yet; 0 bytes: -EPIPE). Other fds are closed. */
int sysnotif_recv_fd(int conn);

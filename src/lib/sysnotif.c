/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysnotif.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "log.h"
#include "sysview.h"
#include "util.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

void sysnotif_init(struct sysnotif *s, const struct cg_paths *cg)
{
	memset(s, 0, sizeof(*s));
	s->cg = cg;
}

void sysnotif_add(struct sysnotif *s, int fd)
{
	if (fd < 0)
		return;
	if (s->n >= SYSNOTIF_MAX) {
		if (!s->full_logged)
			log_file_only("sysinfo: %d listeners kept already: a new one is closed", SYSNOTIF_MAX);
		s->full_logged = true;
		close(fd);
		return;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	s->fds[s->n++] = fd;
}

void sysnotif_add_client(struct sysnotif *s, int conn)
{
	if (s->npending >= SYSNOTIF_PENDING) {
		close(conn); /* the client sees EOF before it loads the filter: it loads the plain one */
		return;
	}
	fcntl(conn, F_SETFL, O_NONBLOCK);
	s->pending[s->npending++] = conn;
}

size_t sysnotif_pollfds(const struct sysnotif *s, struct pollfd *p, size_t max)
{
	size_t k = 0;
	for (unsigned i = 0; i < s->n && k < max; i++)
		p[k++] = (struct pollfd){.fd = s->fds[i], .events = POLLIN};
	for (unsigned i = 0; i < s->npending && k < max; i++)
		p[k++] = (struct pollfd){.fd = s->pending[i], .events = POLLIN};
	return k;
}

int sysnotif_recv_fd(int conn)
{
	char b;
	int got;
	ssize_t n = fd_recv(conn, &b, 1, MSG_DONTWAIT, &got);
	if (n < 0)
		return (int)n;
	if (n == 0 && got < 0)
		return -EPIPE;
	return got;
}

static void remove_at(int *a, unsigned *n, unsigned i) { a[i] = a[--*n]; }

static int find(const int *a, unsigned n, int fd)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] == fd)
			return (int)i;
	return -1;
}

#ifdef HAVE_SECCOMP
/* The container's view, or -errno (the kernel then answers). */
static int compute(struct sysnotif *s, struct sysinfo *out)
{
	struct sysview_in in;
	struct cg_memview mv;
	if (cg_memview(s->cg, &mv) < 0)
		return -ENOENT;
	in.mem_limit = mv.limit;
	in.mem_usage = mv.usage;
	in.swap_limit = mv.swap_limit;
	in.swap_usage = mv.swap_usage;
	in.tasks = mv.tasks;
	in.shmem = SV_NONE;
	if (mv.memstat) {
		in.shmem = sysview_stat_key(mv.memstat, "shmem"); /* v2 */
		if (in.shmem == SV_NONE)
			in.shmem = sysview_stat_key(mv.memstat, "total_shmem"); /* v1, hierarchical */
		free(mv.memstat);
	}
	if (sysinfo(&in.host) < 0)
		return -errno;
	struct timespec ts;
	long tck = sysconf(_SC_CLK_TCK);
	if (!s->init_start || tck <= 0 || clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return -ENODATA;
	unsigned long long born = s->init_start / (unsigned long long)tck;
	in.uptime_s = (uint64_t)ts.tv_sec > born ? (uint64_t)ts.tv_sec - born : 0;
	return sysview_compute(&in, out);
}

/* Answer one notification. false when the listener is unusable. */
static bool answer_one(struct sysnotif *s, int fd)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req)); /* the kernel wants it zeroed */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == ENOENT || errno == EINTR; /* ENOENT: the caller went away meanwhile */
	struct seccomp_notif_resp resp;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	struct sysinfo info;
	bool ours = req.data.nr == __NR_sysinfo && req.data.arch == seccomp_arch_native();
	if (!ours || compute(s, &info) < 0) {
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		s->passed++;
	} else {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%u/mem", (unsigned)req.pid);
		_cleanup_close_ int mem = open(path, O_WRONLY | O_CLOEXEC);
		/* the pid may have been reused between RECV and open: only when the notification is
		 * still live is the file we opened the caller's memory */
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
			return true;
		if (mem < 0) {
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			s->passed++;
		} else {
			ssize_t w = pwrite(mem, &info, sizeof(info), (off_t)req.data.args[0]);
			if (w != (ssize_t)sizeof(info))
				resp.error = -EFAULT;
			s->answered++;
		}
	}
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		log_debug("sysinfo: answer a notification: %m");
	return true;
}

/* Answer up to SYSNOTIF_BATCH pending notifications. */
static void serve(struct sysnotif *s, int fd)
{
	for (unsigned i = 0; i < SYSNOTIF_BATCH; i++) {
		if (!answer_one(s, fd))
			return;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			return;
	}
}
#else
static void serve(struct sysnotif *s, int fd)
{
	(void)s;
	(void)fd;
}
#endif

void sysnotif_handle(struct sysnotif *s, const struct pollfd *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!p[k].revents)
			continue;
		int i = find(s->fds, s->n, p[k].fd);
		if (i >= 0) {
			if (p[k].revents & POLLIN)
				serve(s, p[k].fd);
			if (p[k].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				close(p[k].fd); /* no task uses its filter any more */
				remove_at(s->fds, &s->n, (unsigned)i);
			}
			continue;
		}
		if ((i = find(s->pending, s->npending, p[k].fd)) < 0)
			continue;
		int fd = sysnotif_recv_fd(p[k].fd);
		if (fd == -EAGAIN || fd == -EINTR)
			continue;
		close(p[k].fd);
		remove_at(s->pending, &s->npending, (unsigned)i);
		sysnotif_add(s, fd);
	}
}

void sysnotif_close(struct sysnotif *s)
{
	for (unsigned i = 0; i < s->n; i++)
		close(s->fds[i]);
	for (unsigned i = 0; i < s->npending; i++)
		close(s->pending[i]);
	s->n = s->npending = 0;
}

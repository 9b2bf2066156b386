/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sockwait.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "helper.h"
#include "log.h"
#include "proctitle.h"
#include "state.h"
#include "util.h"

#define MSG_MAX 4096

static int wait_addr(const struct gconf *g, unsigned ctid, struct sockaddr_un *sa)
{
	return state_sockaddr(g, ctid, ".wait", sa);
}

/* Connect to the waiter and send cmd: the connection, -ENOENT / -ECONNREFUSED when there is none
 * (a stale socket file is removed). */
static int wait_connect(const struct gconf *g, unsigned ctid, const char *cmd)
{
	struct sockaddr_un sa;
	int r = wait_addr(g, ctid, &sa);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		struct stat st;
		if (r == -ECONNREFUSED && lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(sa.sun_path); /* its waiter died */
		return r == -ECONNREFUSED ? -ENOENT : r;
	}
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0)
		return cerr(EX_SYSTEM, errno, "talk to the waiter of container %u", ctid);
	return take_fd(&fd);
}

/* One message (with up to SOCKSPEC_MAX descriptors) within timeout_ms: its length, 0 at EOF,
 * -ETIMEDOUT, -errno. */
static ssize_t recv_fds(int sock, char *buf, size_t len, int *fds, int *nfds, int timeout_ms)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};
	int k;
	while ((k = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (k == 0)
		return -ETIMEDOUT;
	struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
	union {
		char b[CMSG_SPACE(sizeof(int) * SOCKSPEC_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	ssize_t n;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -errno;
	*nfds = cmsg_take_fds(&mh, fds, fds ? SOCKSPEC_MAX : 0);
	buf[n] = 0;
	return n;
}

bool sockwait_present(const struct gconf *g, unsigned ctid)
{
	_cleanup_close_ int fd = wait_connect(g, ctid, "ping");
	return fd >= 0;
}

int sockwait_take(const struct gconf *g, const struct ct_config *c, struct sockact_set *s)
{
	memset(s, 0, sizeof(*s));
	_cleanup_close_ int fd = wait_connect(g, c->ctid, "take");
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return cerr_msg() ? fd : cerr(EX_SYSTEM, fd, "reach the waiter of container %u", c->ctid);
	char buf[MSG_MAX];
	int fds[SOCKSPEC_MAX], n = 0;
	ssize_t k = recv_fds(fd, buf, sizeof(buf), fds, &n, 5000);
	if (k <= 0 || strncmp(buf, "take ", 5)) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return cerr(EX_ENVCREATE, k < 0 ? (int)-k : EPROTO, "take the sockets from the waiter of container %u",
			    c->ctid);
	}
	int want = sockspec_list(c->listen, s->sp);
	if (want != n || strcmp(buf + 5, c->listen ? c->listen : "")) {
		/* a waiter of another list (the config changed): let it go, bind afresh */
		for (int i = 0; i < n; i++)
			close(fds[i]);
		memset(s, 0, sizeof(*s));
		log_info("the waiter of container %u held other sockets: binding them again", c->ctid);
		return 0;
	}
	for (int i = 0; i < n; i++)
		s->fds[i] = fds[i];
	s->n = (unsigned)n;
	sockspec_fdnames(s->sp, s->n, s->names, sizeof(s->names));
	log_debug("took %d sockets from the waiter", n);
	return 1;
}

int sockwait_stop(const struct gconf *g, unsigned ctid)
{
	_cleanup_close_ int fd = wait_connect(g, ctid, "quit");
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return cerr_msg() ? fd : cerr(EX_SYSTEM, fd, "reach the waiter of container %u", ctid);
	/* its pid, to see it gone (its cgroup may be removed then) */
	struct ucred cr = {0};
	socklen_t l = sizeof(cr);
	_cleanup_close_ int pidfd = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 && cr.pid > 0
					    ? (int)syscall(SYS_pidfd_open, cr.pid, 0)
					    : -1;
	char buf[64];
	int n = 0;
	/* it answers once the sockets are closed */
	ssize_t k = recv_fds(fd, buf, sizeof(buf), NULL, &n, 5000);
	if (k < 0)
		return cerr(EX_SYSTEM, (int)-k, "end the waiter of container %u", ctid);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	if (pidfd >= 0)
		while (poll(&p, 1, 5000) < 0 && errno == EINTR)
			;
	/* the monitors' cgroup it was in, and the parent, when nothing else is there */
	struct cg_paths cg;
	struct cerr_saved es;
	cerr_save(&es);
	if (cg_resolve(g, ctid, &cg) == 0)
		cg_monitor_remove(&cg);
	cerr_restore(&es);
	return 1;
}

char *sockwait_cellctl_path(void)
{
	char *p = helper_path("cellctl");
	if (p)
		return p;
#ifdef SBINDIR
	p = xasprintf("%s/cellctl", SBINDIR);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
#endif
	return NULL;
}

int sockwait_spawn(const struct gconf *g, const struct ct_config *c, const struct sockact_set *s, const struct cg_paths *cg)
{
	struct cg_paths own;
	if (!cg) {
		int r = cg_resolve(g, c->ctid, &own);
		if (r < 0)
			return r;
		cg = &own;
	}
	_cleanup_free_ char *cgtext = cg_paths_format(cg);
	_cleanup_free_ char *bin = helper_path("cellctl-monitor");
	if (!bin)
		return cerr(EX_SYSTEM, ENOENT, "the cellctl-monitor helper (for the waiter of container %u)", c->ctid);
	char title[64], id[16], nfds[16];
	snprintf(title, sizeof(title), "cellctl-monitor %u waiter", c->ctid);
	snprintf(id, sizeof(id), "%u", c->ctid);
	snprintf(nfds, sizeof(nfds), "%u", s ? s->n : 0);
	char *argv[] = {title, UNCONST("--waiter"), id, nfds, cgtext, NULL};
	struct helper_req rq = {.path = bin,
				.argv = argv,
				.pass_fd = -1,
				.keep_fds = s ? s->fds : NULL,
				.nkeep = s ? s->n : 0,
				.detach = true};
	int r = helper_spawn(&rq, NULL);
	if (r == -ENODATA)
		return cerr(EX_SYSTEM, 0, "the waiter of container %u died at its start", c->ctid);
	return r;
}

void sockwait_release(const struct gconf *g, unsigned ctid, struct sockact_set *s, const struct cg_paths *cg)
{
	_cleanup_conf_ struct ct_config *c = NULL;
	struct cerr_saved es;
	cerr_save(&es);
	bool handed = false, want = ctconf_load(g, ctid, &c) == 0 && c->onconnect && c->listen;
	if (s->n && want) {
		struct sock_spec sp[SOCKSPEC_MAX];
		char now[MSG_MAX] = "";
		/* the list the sockets were bound for, as the config would hold it */
		size_t k = 0;
		for (unsigned i = 0; i < s->n && k < sizeof(now); i++) {
			char one[200];
			sockspec_format(&s->sp[i], one, sizeof(one));
			k += (size_t)snprintf(now + k, sizeof(now) - k, "%s%s", i ? " " : "", one);
		}
		if (sockspec_list(c->listen, sp) == (int)s->n && !strcmp(now, c->listen)) {
			if (sockwait_spawn(g, c, s, cg) == 0)
				handed = true;
			else
				log_warn("container %u: cannot hand its sockets to a waiter: %s", ctid,
					 cerr_msg() ? cerr_msg() : "unknown error");
		}
	}
	if (handed) {
		sockact_forget(s);
	} else {
		sockact_close(s);
		/* another list now: a waiter of its own binds it */
		if (want && sockact_check_conflicts(g, c) == 0 && sockwait_spawn(g, c, NULL, cg) < 0)
			log_warn("container %u: cannot start its waiter: %s", ctid, cerr_msg() ? cerr_msg() : "unknown error");
	}
	cerr_restore(&es);
}

int sockwait_sync(const struct gconf *g, unsigned ctid)
{
	int r = sockwait_stop(g, ctid);
	if (r < 0)
		return r;
	if (ct_running(g, ctid, NULL))
		return 0;
	_cleanup_conf_ struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		return r;
	if (!c->onconnect || !c->listen)
		return 0;
	if ((r = sockact_check_conflicts(g, c)) < 0)
		return r;
	return sockwait_spawn(g, c, NULL, NULL);
}

void sockwait_caller_cgroup(const struct gconf *g, const struct cg_paths *cg)
{
	const char *parent = g->cg_parent && *g->cg_parent ? g->cg_parent : "cellctl";
	if (strcmp(parent, "self") && !str_startswith(parent, "self/"))
		return;
	/* the levels below the caller's cgroup: the parent's (cellctl for a bare self), the CTID's */
	unsigned up = 2;
	if (str_startswith(parent, "self/"))
		for (const char *p = parent + 5; *p; p++)
			up += *p == '/';
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (unsigned i = 0; i < cg->n; i++) {
		char rel[sizeof(cg->h[i].rel)];
		snprintf(rel, sizeof(rel), "%s", cg->h[i].rel);
		for (unsigned k = 0; k < up; k++) {
			char *s = strrchr(rel, '/');
			if (s)
				*s = 0;
			else
				rel[0] = 0;
		}
		_cleanup_free_ char *path = xasprintf("%s%s%s/cgroup.procs", cg->h[i].mount, rel[0] ? "/" : "", rel);
		if (write_file_at(AT_FDCWD, path, pid) < 0)
			log_debug("move into %s: %m", path);
	}
}

/* ---- the waiter ---- */

static volatile sig_atomic_t quit_sig;
static void on_term(int sig) { quit_sig = sig; }

/* Run `cellctl start CTID` (its monitor comes back for the sockets): the child's pidfd. */
static int run_start(const struct gconf *g, const struct cg_paths *cg, const char *cellctl, unsigned ctid, pid_t *pid)
{
	char id[16];
	snprintf(id, sizeof(id), "%u", ctid);
	pid_t p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sockwait_caller_cgroup(g, cg);
		execl(cellctl, "cellctl", "start", id, (char *)NULL);
		_exit(127);
	}
	*pid = p;
	int fd = (int)syscall(SYS_pidfd_open, p, 0);
	return fd < 0 ? -errno : fd;
}

/* The control socket's one command: ping, quit, take. Returns true when the waiter is done. */
static bool control(int lfd, const struct ct_config *c, struct sockact_set *s, const struct sockaddr_un *sa)
{
	_cleanup_close_ int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	struct ucred cr;
	socklen_t l = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0 || cr.uid != 0)
		return false;
	char cmd[16];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 1000) <= 0)
		return false;
	ssize_t n = recv(fd, cmd, sizeof(cmd) - 1, 0);
	if (n <= 0)
		return false;
	cmd[n] = 0;
	if (!strcmp(cmd, "take")) {
		unlink(sa->sun_path); /* nobody else gets them */
		_cleanup_free_ char *msg = xasprintf("take %s", c->listen ? c->listen : "");
		struct iovec iov = {.iov_base = msg, .iov_len = strlen(msg)};
		union {
			char b[CMSG_SPACE(sizeof(int) * SOCKSPEC_MAX)];
			struct cmsghdr align;
		} u;
		memset(&u, 0, sizeof(u));
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		if (s->n) {
			mh.msg_control = u.b;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * s->n);
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * s->n);
			memcpy(CMSG_DATA(cm), s->fds, sizeof(int) * s->n);
		}
		while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
			;
		log_debug("sockets handed to the starting container");
		return true;
	}
	if (!strcmp(cmd, "quit")) {
		unlink(sa->sun_path);
		sockact_close(s);
		send(fd, "bye", 3, MSG_NOSIGNAL);
		return true;
	}
	send(fd, "pong", 4, MSG_NOSIGNAL);
	return false;
}

static int make_control(const struct gconf *g, unsigned ctid, struct sockaddr_un *sa)
{
	int r = wait_addr(g, ctid, sa);
	if (r < 0)
		return r;
	_cleanup_close_ int probe = wait_connect(g, ctid, "ping");
	if (probe >= 0)
		return cerr(EX_LOCKED, 0, "container %u already has a waiter", ctid);
	cerr_clear();
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "socket");
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	umask(old);
	if (r < 0 || listen(fd, 8) < 0) {
		e = r < 0 ? e : errno;
		close(fd);
		return cerr(EX_SYSTEM, e, "listen on %s", sa->sun_path);
	}
	return fd;
}

void sockwait_main(const struct gconf *g, struct ct_config *c, unsigned nfds, const struct cg_paths *cg)
{
	char title[64];
	snprintf(title, sizeof(title), "cellctl-monitor %u waiter", c->ctid);
	proc_title_set(title);
	log_set_file(g->log_file);
	log_set_ctid(c->ctid);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	fcntl(HELPER_REPORT_FD, F_SETFD, FD_CLOEXEC);
	struct sockact_set s;
	memset(&s, 0, sizeof(s));
	int r = 0;
	if (nfds > SOCKSPEC_MAX || (nfds && sockspec_list(c->listen, s.sp) != (int)nfds)) {
		r = cerr(EX_SYSTEM, EPROTO, "waiter: %u sockets handed for a list of another length", nfds);
	} else if (nfds) {
		for (unsigned i = 0; i < nfds; i++) {
			s.fds[i] = SOCKWAIT_FD0 + (int)i;
			fcntl(s.fds[i], F_SETFD, FD_CLOEXEC);
		}
		s.n = nfds;
	}
	syscall(SYS_close_range, HELPER_PASS_FD, HELPER_PASS_FD, 0);
	syscall(SYS_close_range, SOCKWAIT_FD0 + nfds, ~0U, 0);
	if (r == 0 && !nfds)
		r = sockact_open(g, c, cg, &s);
	struct sockaddr_un sa;
	int lfd = r < 0 ? -1 : make_control(g, c->ctid, &sa);
	if (lfd < 0) {
		r = lfd;
		sockact_close(&s);
	}
	_cleanup_free_ char *cellctl = sockwait_cellctl_path();
	if (r == 0 && !cellctl)
		r = cerr(EX_SYSTEM, ENOENT, "waiter: no cellctl binary to start the container with");
	if (r < 0) {
		if (lfd >= 0)
			unlink(sa.sun_path);
		cerr_report_write(HELPER_REPORT_FD, r);
		_exit(1);
	}
	/* beside the monitors, in the containers' cgroup parent: out of the cgroup of whoever ran us */
	struct cg_origin from;
	struct cerr_saved es;
	cerr_save(&es);
	if (cg_monitor_enter(cg, &from, -1) == 0)
		cg_origin_drop(&from);
	else
		log_warn("waiter: %s (it stays where it was started)", cerr_msg() ? cerr_msg() : "cannot move");
	cerr_restore(&es);
	cerr_report_write(HELPER_REPORT_FD, 0);
	close(HELPER_REPORT_FD);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	struct sigaction sact = {.sa_handler = on_term};
	sigaction(SIGTERM, &sact, NULL);
	sigaction(SIGINT, &sact, NULL);
	log_file_only("Waiting for a connection (%u sockets)", s.n);

	int child = -1;
	pid_t cpid = -1;
	uint64_t quiet_until = 0; /* after a failed start: the sockets are not looked at until then */
	for (;;) {
		if (quit_sig) {
			unlink(sa.sun_path);
			sockact_close(&s);
			_exit(0);
		}
		struct pollfd p[2 + SOCKSPEC_MAX];
		int n = 0, timeout = -1;
		p[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
		if (child >= 0)
			p[n++] = (struct pollfd){.fd = child, .events = POLLIN};
		int first = n;
		uint64_t now = now_ms();
		if (child < 0 && now >= quiet_until)
			for (unsigned i = 0; i < s.n; i++)
				p[n++] = (struct pollfd){.fd = s.fds[i], .events = POLLIN};
		else if (child < 0)
			timeout = (int)(quiet_until - now) + 1;
		if (poll(p, (nfds_t)n, timeout) < 0)
			continue;
		if ((p[0].revents & POLLIN) && control(lfd, c, &s, &sa))
			_exit(0);
		if (child >= 0 && p[1].revents) {
			int st = 0;
			waitpid(cpid, &st, 0);
			close(child);
			child = -1;
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
			if (code != 0) {
				/* locked: a stop still finishing, again soon; otherwise not before 5 s */
				quiet_until = now_ms() + (code == EX_LOCKED ? 200 : 5000);
				log_warn("the start on a connection failed (exit %d): %s", code,
					 code == EX_LOCKED ? "trying again" : "trying again in 5 s");
			}
			continue;
		}
		for (int i = first; i < n && child < 0; i++)
			if (p[i].revents & POLLIN) {
				log_file_only("Connection: starting the container");
				if ((child = run_start(g, cg, cellctl, c->ctid, &cpid)) < 0) {
					log_warn("cannot run %s start: %s", cellctl, strerror(-child));
					child = -1;
					quiet_until = now_ms() + 5000;
				}
			}
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "monitor.h"
#include "memshed.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "error.h"
#include "helper.h"
#include "lock.h"
#include "log.h"
#include "criu.h"
#include "ctcleanup.h"
#include "netlink.h"
#include "notify.h"
#include "phase.h"
#include "proctitle.h"
#include "ringbuf.h"
#include "runconf.h"
#include "lxcfs.h"
#include "spawn.h"
#include "state.h"
#include "sockact.h"
#include "sockwait.h"
#include "sysnotif.h"
#include "util.h"

/* ---- client side ---- */
static int sock_addr(const struct gconf *g, unsigned ctid, struct sockaddr_un *sa)
{
	return state_sockaddr(g, ctid, ".sock", sa);
}

int monitor_connect(const struct gconf *g, unsigned ctid, const char *cmd)
{
	struct sockaddr_un sa;
	int r = sock_addr(g, ctid, &sa);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	_cleanup_free_ char *line = xasprintf("%s\n", cmd);
	if ((r = write_full(fd, line, strlen(line))) < 0)
		return r;
	return take_fd(&fd);
}

int monitor_sock_clear_stale(const struct gconf *g, unsigned ctid)
{
	struct sockaddr_un sa;
	if (sock_addr(g, ctid, &sa) < 0)
		return 0;
	struct stat st;
	if (lstat(sa.sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		unlink(sa.sun_path);
		return 1;
	}
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return -EBUSY; /* somebody listens there */
	if (errno != ECONNREFUSED)
		return 0;
	unlink(sa.sun_path);
	return 1;
}

int monitor_wait_ready(const struct gconf *g, unsigned ctid, uint64_t since_ms, int timeout_s)
{
	_cleanup_close_ int fd = monitor_connect(g, ctid, "wait");
	if (fd < 0)
		return cerr(EX_NOTRUNNING, fd, "container %u: cannot reach its monitor to wait for the boot", ctid);
	uint64_t deadline = since_ms + (uint64_t)timeout_s * 1000;
	char buf[16] = "";
	ssize_t n = -1;
	for (;;) {
		uint64_t now = now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, now < deadline ? (int)(deadline - now) : 0);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr > 0)
			n = read(fd, buf, sizeof(buf) - 1);
		break;
	}
	if (n > 0 && strncmp(buf, "ready", 5) == 0)
		return 0;
	if (n > 0 && strncmp(buf, "busy", 4) == 0)
		return cerr(EX_SYSTEM, 0, "container %u: too many commands already wait for its boot", ctid);
	if (n == 0)
		return cerr(EX_NOTRUNNING, 0, "container %u stopped before its boot finished (see cellctl console %u)",
			    ctid, ctid);
	return cerr(EX_TIMEOUT, 0,
		    "container %u did not finish booting within %d s (systemd sends READY=1 when its boot is done; "
		    "other inits: boot scripts still running). It keeps running: look at `cellctl console %u`, "
		    "or stop it",
		    ctid, timeout_s, ctid);
}

/* ---- the monitor itself ---- */
#define RING_SIZE 16384
#define MAX_WAITERS 8

struct mon {
	const struct gconf *g;
	struct ct_config *c;
	const struct cg_paths *cg;
	const char *root;
	struct ct_state st;
	int pidfd, master, listen_fd, client, logfd;
	int rootpin; /* this boot's init's root (O_PATH): its last reference, see unpin_begin */
	int waiters[MAX_WAITERS];
	int ready_waiters[MAX_WAITERS]; /* `start --wait` clients, answered once the guest is up */
	int notify_fd;                  /* this boot's sd_notify socket (the guest's /run/host/notify) */
	bool ready;                     /* this boot reached READY=1 / its boot scripts finished */
	uint64_t settled_ms;            /* since when a non-systemd boot looks finished (0: not) */
	uint64_t boot_ms;               /* when this boot's init was exec'd */
	bool stopping;
	uint64_t busy_ms, busy_checked_ms; /* idle_stop: the sockets were last seen in use, looked at */
	bool idle_stopped;                 /* idle_stop: the stop has been run */
	struct sockact_seen seen;          /* idle_stop: the connections seen at the last look */
	struct cg_origin origin; /* the cgroups start ran in, which the monitor left */
	int unified_origin;      /* the unified one, when start forked us into the monitors' (or -1) */
	struct sysnotif sn;      /* the sysinfo listeners: init's, one per exec */
	struct sockact_set socks; /* the passed sockets ([container] listen), every boot's init gets them */
	char ring_data[RING_SIZE];
	struct ringbuf ring; /* the console's last RING_SIZE bytes, for a client that attaches */
};

static int boot(struct mon *m)
{
	struct spawn_req rq = {.g = m->g, .c = m->c, .cg = m->cg, .root = m->root, .migrate = m->st.boots > 0,
			       .lxcfs = lxcfs_for_start(m->g, m->c, m->st.boots == 0), .listen_fds = m->socks.fds,
			       .nlisten = m->socks.n, .listen_names = m->socks.names};
	struct spawn_res res;
	m->ready = false;
	m->settled_ms = 0;
	m->boot_ms = now_ms();
	int r = spawn_init(&rq, &res);
	if (r < 0)
		return r;
	if (m->notify_fd >= 0)
		close(m->notify_fd);
	m->notify_fd = res.notify_fd;
	int one = 1;
	if (m->notify_fd >= 0 && setsockopt(m->notify_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		close(m->notify_fd);
		m->notify_fd = -1;
	}
	m->pidfd = res.pidfd;
	/* init is our child, not reaped: the pid is its. Without the pin (refused) the root's last
	 * reference goes with the guest's last process, as before. */
	char rp[64];
	snprintf(rp, sizeof(rp), "/proc/%d/root", (int)res.pid);
	m->rootpin = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	m->master = res.console_master;
	if (m->master >= 0)
		fcntl(m->master, F_SETFL, O_NONBLOCK);
	m->st.init_pid = res.pid;
	proc_starttime(res.pid, &m->st.init_start);
	m->sn.init_start = m->st.init_start;
	sysnotif_add(&m->sn, res.sysinfo_fd); /* the last boot's, if any, hangs up once its tasks are gone */
	if (res.sysinfo_fd == -EBUSY)
		log_file_only("sysinfo: a seccomp listener exists above this container (nested?): the kernel answers "
			      "its sysinfo calls");
	else if (res.sysinfo_fd < -1)
		log_file_only("sysinfo: the kernel refused a seccomp listener (%s): it answers the container's sysinfo calls",
			      strerror(-res.sysinfo_fd));
	m->st.boots++;
	return state_write(m->g, m->c->ctid, &m->st);
}

static const char *restore_dir; /* monitor_set_restore: restore from this checkpoint instead of booting */

void monitor_set_restore(const char *dir) { restore_dir = dir; }

/* The first "boot" of a restore: CRIU brings the checkpointed tree back as our child, with a new
 * console pty; the host veths it made get their MAC, group and filters back. */
static int restore_boot(struct mon *m)
{
	pid_t pid = 0;
	int master = -1;
	m->boot_ms = now_ms();
	int r = criu_restore_tree(m->g, m->c, m->cg, restore_dir, m->root, &pid, &master);
	if (r < 0)
		return r;
	m->master = master;
	fcntl(m->master, F_SETFL, O_NONBLOCK);
	m->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (m->pidfd < 0)
		return cerr(EX_RESTORE, errno, "the restored init %d", (int)pid);
	m->st.init_pid = pid;
	proc_starttime(pid, &m->st.init_start);
	m->sn.init_start = m->st.init_start;
	m->ready = true; /* it had booted when it was checkpointed */
	if (m->c->nnetif && (r = net_adopt_restored(m->g, m->c, pid)) < 0)
		return r;
	if ((r = runconf_save(m->g, m->c)) < 0)
		return r;
	m->st.boots++;
	return state_write(m->g, m->c->ctid, &m->st);
}

static void drop_client(struct mon *m)
{
	if (m->client >= 0)
		close(m->client);
	m->client = -1;
}

static void handle_accept(struct mon *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char line[64];
	ssize_t n = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != 0)
		goto out;
	/* the client writes its command at once; a short wait keeps a slow one from blocking us */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 1000) <= 0)
		goto out;
	/* recvmsg: an exec client's listener may come in the same read as its command line */
	int passed = -1;
	{
		union {
			char c[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} u;
		struct iovec iov = {.iov_base = line, .iov_len = sizeof(line) - 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c, .msg_controllen = sizeof(u.c)};
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n > 0)
			cmsg_take_fds(&mh, &passed, 1);
	}
	if (n <= 0)
		goto out;
	line[n] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (strcmp(line, "sysinfo-listener") == 0) {
		/* exec/enter: "ok", then its listener (one byte with the fd) once its filter is loaded */
		if (passed >= 0) {
			sysnotif_add(&m->sn, passed);
			goto out;
		}
		if (write_full(fd, "ok\n", 3) < 0)
			goto out;
		sysnotif_add_client(&m->sn, fd);
		return;
	}
	if (passed >= 0)
		close(passed);
	if (strcmp(line, "stop") == 0) {
		m->stopping = true;
		for (int i = 0; i < MAX_WAITERS; i++)
			if (m->waiters[i] < 0) {
				write_full(fd, "ok\n", 3);
				m->waiters[i] = fd; /* closed when we exit: the client sees EOF */
				return;
			}
	} else if (strcmp(line, "console") == 0) {
		drop_client(m);
		ringbuf_send(&m->ring, fd);
		m->client = fd;
		return;
	} else if (strcmp(line, "ping") == 0) {
		write_full(fd, "ok\n", 3);
	} else if (strcmp(line, "wait") == 0) {
		if (m->ready) {
			write_full(fd, "ready\n", 6);
			goto out;
		}
		for (int i = 0; i < MAX_WAITERS; i++)
			if (m->ready_waiters[i] < 0) {
				m->ready_waiters[i] = fd; /* answered by set_ready(), or EOF when we exit */
				return;
			}
		write_full(fd, "busy\n", 5); /* not EOF: that would read as "the container stopped" */
	}
out:
	close(fd);
}

static void pump_console(struct mon *m)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(m->master, buf, sizeof(buf));
		if (n <= 0)
			return;
		ringbuf_add(&m->ring, buf, (size_t)n);
		if (m->logfd >= 0)
			write_full(m->logfd, buf, (size_t)n);
		if (m->client >= 0 && write_full(m->client, buf, (size_t)n) < 0)
			drop_client(m);
	}
}

static void client_input(struct mon *m)
{
	char buf[1024];
	ssize_t n = read(m->client, buf, sizeof(buf));
	if (n <= 0) {
		drop_client(m);
		return;
	}
	if (m->master >= 0)
		write_full(m->master, buf, (size_t)n);
}

/* A `cellctl stop` still waits for our exit (its connection is open at its end)? */
static bool any_waiter(const struct mon *m)
{
	for (int i = 0; i < MAX_WAITERS; i++) {
		struct pollfd p = {.fd = m->waiters[i], .events = POLLRDHUP};
		if (m->waiters[i] >= 0 && poll(&p, 1, 0) == 0)
			return true;
	}
	return false;
}

/* ---- readiness: `start --wait` ---- */
static bool any_ready_waiter(const struct mon *m)
{
	for (int i = 0; i < MAX_WAITERS; i++)
		if (m->ready_waiters[i] >= 0)
			return true;
	return false;
}

static void set_ready(struct mon *m, const char *how)
{
	if (m->ready)
		return;
	m->ready = true;
	log_file_only("Container booted: %s, %llu ms after init started", how,
		      (unsigned long long)(now_ms() - m->boot_ms));
	for (int i = 0; i < MAX_WAITERS; i++)
		if (m->ready_waiters[i] >= 0) {
			write_full(m->ready_waiters[i], "ready\n", 6);
			close(m->ready_waiters[i]);
			m->ready_waiters[i] = -1;
		}
}

/* A datagram from the guest: READY=1 from its init (NotifyAccess=main, as systemd's own rule). */
static void notify_input(struct mon *m)
{
	for (;;) {
		char buf[4096];
		union {
			char c[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} u;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c, .msg_controllen = sizeof(u.c)};
		ssize_t n = recvmsg(m->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return;
		buf[n] = 0;
		pid_t from = 0;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
				struct ucred cr;
				memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
				from = cr.pid;
			} else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int nfd = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				for (int i = 0; i < nfd; i++) {
					int x;
					memcpy(&x, CMSG_DATA(cm) + (size_t)i * sizeof(int), sizeof(int));
					close(x); /* fd store: not ours to keep */
				}
			}
		}
		if (from != m->st.init_pid)
			continue;
		struct notify_msg msg;
		notify_parse(buf, (size_t)n, &msg);
		if (msg.have_status) {
			char esc[4 * NOTIFY_STATUS_MAX];
			log_debug("guest status: %s", str_escape_buf(msg.status, esc, sizeof(esc)));
		}
		if (msg.ready)
			set_ready(m, "READY=1 from the guest's init");
	}
}

static bool is_boot_script(const char *arg)
{
	const char *b = strrchr(arg, '/');
	b = b ? b + 1 : arg;
	return strncmp(arg, "/etc/", 5) == 0 && (strcmp(b, "rc") == 0 || strcmp(b, "rcS") == 0 ||
						 strcmp(b, "rc.sysinit") == 0 || strcmp(b, "rc.local") == 0);
}

/* Does the process run a boot script (as argv[0], or argv[1] of its shell)? */
static bool runs_boot_script(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = 0;
	size_t l0 = strlen(buf);
	return is_boot_script(buf) || ((ssize_t)l0 + 1 < n && is_boot_script(buf + l0 + 1));
}

/* Inits without sd_notify (sysvinit, busybox): the boot is done when init has children (its
 * gettys and daemons) and none of the boot scripts (/etc/init.d/rc, rcS, ...) is running, for
 * 100 ms in a row (sysvinit starts `rc N` right after rcS ends). */
static void poll_ready(struct mon *m)
{
	/* systemd (seen as stop sees it) says READY=1 itself */
	if (m->ready || m->pidfd < 0 || ct_poweroff_signal(m->st.init_pid) == SIGRTMIN + 4)
		return;
	pid_t *pids = NULL;
	size_t n = cg_tree_pids(m->cg, &pids);
	unsigned children = 0;
	bool scripts = false;
	for (size_t i = 0; i < n && !scripts; i++) {
		unsigned long long ppid;
		if (proc_stat_field(pids[i], 4, &ppid) == 0 && ppid == (unsigned long long)m->st.init_pid)
			children++;
		scripts = runs_boot_script(pids[i]);
	}
	free(pids);
	if (children == 0 || scripts) {
		m->settled_ms = 0;
		return;
	}
	if (!m->settled_ms)
		m->settled_ms = now_ms();
	else if (now_ms() - m->settled_ms >= 100)
		set_ready(m, "boot scripts finished");
}

/* The guest's root, pinned at boot, is let go in a thread while the cleanup runs. Its last
 * reference unmounts it: for an overlay root the kernel syncs the whole upper filesystem there (a
 * journal commit and a disk cache flush, ~1-2 ms), which the guest's last exiting process would
 * otherwise do before its cgroup empties, ahead of everything else of a stop. Joined (unpin_end)
 * before the container reads as stopped: a next start mounts the same upper and work dirs. */
static void *unpin_run(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

static bool unpin_begin(struct mon *m, pthread_t *t)
{
	int fd = m->rootpin;
	m->rootpin = -1;
	if (fd < 0)
		return false;
	if (pthread_create(t, NULL, unpin_run, (void *)(intptr_t)fd) == 0)
		return true;
	close(fd);
	return false;
}

static void unpin_end(bool started, pthread_t t)
{
	if (started)
		pthread_join(t, NULL);
}

/* init is gone: reboot or final cleanup. Returns true when the monitor should go on. */
static bool init_exited(struct mon *m)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED);
	phase_mark("monitor.reaped");
	close(m->pidfd);
	m->pidfd = -1;
	bool reboot = si.si_code == CLD_KILLED && si.si_status == SIGHUP && !m->stopping;
	if (si.si_code == CLD_EXITED)
		log_info("init exited with status %d", si.si_status);
	else
		log_info("init killed by signal %d%s", si.si_status, reboot ? " (reboot)" : "");
	if (m->master >= 0) {
		pump_console(m);
		close(m->master);
		m->master = -1;
	}
	const struct cg_ops *ops = cg_backend(m->cg->mode);
	ops->kill(m->cg, 5000);
	phase_mark("monitor.killed");
	if (reboot && m->rootpin >= 0) {
		close(m->rootpin); /* unmounted before the next boot mounts it again */
		m->rootpin = -1;
	}
	pthread_t unpin;
	bool unpinning = unpin_begin(m, &unpin);
	if (reboot) {
		if (m->c->nnetif)
			net_teardown_container(m->g, m->c);
		ct_routed_teardown(m->g, m->c->ctid, m->c);
		log_file_only("Container rebooting");
		if (cg_reset_leaf(m->cg) < 0) {
			log_warn("reboot: %s", cerr_msg() ? cerr_msg() : "cannot reset the container's cgroup");
			cerr_clear();
		}
		if (boot(m) == 0) {
			log_file_only("Container started (boot %u)", m->st.boots);
			return true;
		}
		log_error("restart after reboot failed: %s", cerr_msg() ? cerr_msg() : "unknown error");
	}
	ct_cleanup_but_state(m->g, m->c->ctid, m->cg, m->c);
	unpin_end(unpinning, unpin);
	phase_mark("monitor.unpinned");
	state_remove(m->g, m->c->ctid);
	log_file_only("Container stopped");
	phase_mark("monitor.cleaned");
	return false;
}

static int make_listener(struct mon *m)
{
	struct sockaddr_un sa;
	int r = sock_addr(m->g, m->c->ctid, &sa);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "socket");
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 || listen(fd, 16) < 0) {
		r = cerr(EX_SYSTEM, errno, "listen on %s", sa.sun_path);
		close(fd);
		return r;
	}
	m->listen_fd = fd;
	return 0;
}

/* idle_stop: once a second, the sockets' connections; after idle_stop seconds without any, the
 * container is stopped as `cellctl stop` stops it (its lock, its scripts), by running it. */
static void idle_check(struct mon *m)
{
	uint64_t now = now_ms();
	if (now - m->busy_checked_ms < 1000)
		return;
	m->busy_checked_ms = now;
	if (sockact_busy(&m->socks, &m->seen) || !m->busy_ms) {
		m->busy_ms = now;
		return;
	}
	if (now - m->busy_ms < (uint64_t)m->c->idle_stop * 1000)
		return;
	_cleanup_free_ char *cellctl = sockwait_cellctl_path();
	if (!cellctl) {
		log_warn("idle_stop: no cellctl binary to stop the container with");
		m->idle_stopped = true;
		return;
	}
	log_file_only("No connection for %u s: stopping the container (idle_stop)", m->c->idle_stop);
	char id[16];
	snprintf(id, sizeof(id), "%u", m->c->ctid);
	pid_t p = fork();
	if (p == 0) {
		setsid();
		sockwait_caller_cgroup(m->g, m->cg);
		if (fork() == 0) {
			execl(cellctl, "cellctl", "stop", id, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (p > 0)
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	m->idle_stopped = true;
}

static void monitor_loop(struct mon *m)
{
	uint64_t hup_until = 0; /* console hung up (no guest process has it open): look again later */
	for (;;) {
		struct pollfd p[5 + SYSNOTIF_MAX + SYSNOTIF_PENDING];
		int n = 0, ipid = -1, imaster = -1, ilisten = -1, iclient = -1, inotify = -1, timeout = -1;
		if (m->pidfd >= 0)
			p[ipid = n++] = (struct pollfd){.fd = m->pidfd, .events = POLLIN};
		if (m->master >= 0 && now_ms() >= hup_until)
			p[imaster = n++] = (struct pollfd){.fd = m->master, .events = POLLIN};
		else if (m->master >= 0)
			timeout = (int)(hup_until - now_ms()) + 1;
		p[ilisten = n++] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
		if (m->client >= 0)
			p[iclient = n++] = (struct pollfd){.fd = m->client, .events = POLLIN};
		if (m->notify_fd >= 0)
			p[inotify = n++] = (struct pollfd){.fd = m->notify_fd, .events = POLLIN};
		int isn = n;
		n += (int)sysnotif_pollfds(&m->sn, p + n, ARRAY_SIZE(p) - (size_t)n);
		bool polling = !m->ready && any_ready_waiter(m);
		if (polling && (timeout < 0 || timeout > 100))
			timeout = 100;
		bool idle_watch = m->c->idle_stop && m->socks.n && !m->stopping && !m->idle_stopped && m->pidfd >= 0;
		if (idle_watch && (timeout < 0 || timeout > 1000))
			timeout = 1000;
		if (poll(p, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (imaster >= 0 && p[imaster].revents) {
			if (p[imaster].revents & POLLIN)
				pump_console(m);
			/* POLLHUP: nobody has the console open right now; avoid spinning */
			else if (p[imaster].revents & POLLHUP)
				hup_until = now_ms() + 100;
		}
		if (iclient >= 0 && p[iclient].revents)
			client_input(m);
		if (p[ilisten].revents & POLLIN)
			handle_accept(m);
		if (inotify >= 0 && p[inotify].revents)
			notify_input(m);
		sysnotif_handle(&m->sn, p + isn, (size_t)(n - isn));
		if (polling)
			poll_ready(m);
		if (idle_watch)
			idle_check(m);
		if (ipid >= 0 && p[ipid].revents && !init_exited(m))
			return;
	}
}

/* Stopped (or not started): the sockets go to a waiter when the container has onconnect yes
 * (sockwait.h), else they close (its ports are closed, its Unix sockets' files go). */
static void release_sockets(struct mon *m)
{
	if (!m->socks.n)
		return;
	sockwait_release(m->g, m->c->ctid, &m->socks, m->cg);
}

/* Out of the cgroup of whoever ran start (a unit's, a login session's): from here on this process
 * lives as long as its container, whatever becomes of theirs. A failure is a warning. */
static void monitor_enter_cgroup(struct mon *m)
{
	struct cerr_saved es;
	cerr_save(&es);
	int origin = m->unified_origin;
	m->unified_origin = -1;
	if (cg_monitor_enter(m->cg, &m->origin, origin) < 0)
		log_warn("container %u: %s (the monitor stays where start ran)", m->c->ctid, cerr_msg());
	cerr_restore(&es);
	phase_mark("monitor.cgenter");
}

static __attribute__((noreturn)) void monitor_main(struct mon *m, int report)
{
	char title[64];
	snprintf(title, sizeof(title), "cellctl-monitor %u", m->c->ctid);
	proc_title_set(title);
	log_set_file(m->g->log_file); /* forget the inherited fd before closing everything */
	/* keep the report pipe (3) and the start's CT lock (4, when start handed it over): the monitor
	 * holds the lock until the container has started, or failed and been cleaned up, so that a
	 * start whose cellctl was killed cannot be raced by another command meanwhile */
	if (report != 3) {
		dup3(report, 3, O_CLOEXEC);
		report = 3;
	}
	bool have_lock = ct_lock_is(m->g, m->c->ctid, MONITOR_LOCK_FD) && fcntl(MONITOR_LOCK_FD, F_SETFD, FD_CLOEXEC) == 0;
	/* the unified cgroup start ran in, when start forked us into the monitors' one */
	struct statfs sf;
	bool origin = fstatfs(HELPER_ORIGIN_FD, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC &&
		      fcntl(HELPER_ORIGIN_FD, F_SETFD, FD_CLOEXEC) == 0;
	m->unified_origin = origin ? HELPER_ORIGIN_FD : -1;
	syscall(SYS_close_range, origin ? HELPER_ORIGIN_FD + 1 : MONITOR_LOCK_FD + 1, ~0U, 0);
	phase_reopen();
	if (have_lock) {
		if (lock_note(MONITOR_LOCK_FD, getpid(), "start") < 0)
			log_debug("write the lock file: %m");
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);

	ringbuf_init(&m->ring, m->ring_data, sizeof(m->ring_data));
	m->pidfd = m->master = m->listen_fd = m->client = m->rootpin = -1;
	m->notify_fd = -1;
	sysnotif_init(&m->sn, m->cg);
	for (int i = 0; i < MAX_WAITERS; i++)
		m->waiters[i] = m->ready_waiters[i] = -1;
	m->st.monitor_pid = getpid();
	proc_starttime(m->st.monitor_pid, &m->st.monitor_start);
	m->st.userns = m->c->userns;
	m->st.uid_base = m->c->uid_base;
	m->st.cg = *m->cg;
	_cleanup_free_ char *logdir = xasprintf("%s/console", m->g->run_dir);
	mkdir_p(logdir, 0700);
	_cleanup_free_ char *logpath = xasprintf("%s/%u.log", logdir, m->c->ctid);
	m->logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	/* the state names this monitor before anything runs in the cgroups: a monitor killed from here
	 * on leaves a state that the next command cleans up after (clear_stale) */
	int r = state_write(m->g, m->c->ctid, &m->st);
	if (r == 0)
		r = make_listener(m);
	phase_mark("monitor.listener");
	/* the passed sockets, in the network namespace start ran in; held for the container's life
	 * (a guest's reboot gets the same ones) */
	if (r == 0 && m->c->listen && !restore_dir && (r = sockwait_take(m->g, m->c, &m->socks)) == 0)
		r = sockact_open(m->g, m->c, m->cg, &m->socks); /* no waiter held them */
	if (r > 0)
		r = 0;
	/* a boot goes out of the caller's cgroups first: init's moves into the container's cgroups
	 * then come right after ours, in the same RCU grace period of the kernel's cgroup threadgroup
	 * lock (each burst of cgroup.procs writes waits one when the lock was idle: ~3 ms) */
	bool entered = false;
	if (r == 0 && !restore_dir) {
		monitor_enter_cgroup(m);
		entered = true;
	}
	if (r == 0)
		r = restore_dir ? restore_boot(m) : boot(m);
	phase_mark("monitor.booted");
	if (r < 0) {
		if (entered)
			cg_monitor_leave(m->cg, &m->origin); /* back, so that the cleanup finds it empty */
		/* undo everything of this start before answering: its cellctl may be gone */
		if (m->listen_fd >= 0)
			close(m->listen_fd);
		release_sockets(m);
		struct sockaddr_un sa;
		if (sock_addr(m->g, m->c->ctid, &sa) == 0)
			unlink(sa.sun_path);
		const char *why = cerr_msg();
		_cleanup_free_ char *saved = why ? xstrdup(why) : NULL;
		int code = cerr_exit();
		ct_cleanup(m->g, m->c->ctid, m->cg, m->c);
		if (saved)
			cerr_replace(code, 0, "%s", saved);
		cerr_report_write(report, r);
		_exit(1);
	}
	if (!entered)
		monitor_enter_cgroup(m);
	cerr_report_write(report, r);
	close(report);
	if (have_lock)
		close(MONITOR_LOCK_FD); /* started: the CT lock goes back to whoever takes it next */
	log_file_only(restore_dir ? "Container restored" : "Container started");
	/* from here on the monitor mostly sleeps: what its start-up used goes back */
	size_t shed = mem_shed();
	log_debug("monitor: dropped the mappings of %zu KiB of start-up memory", shed / 1024);
	monitor_loop(m);
	release_sockets(m);
	sysnotif_close(&m->sn);
	if (m->stopping && any_waiter(m))
		cg_origin_drop(&m->origin); /* the stop that waits for our exit removes the cgroups */
	else
		cg_monitor_leave(m->cg, &m->origin);
	_exit(0);
}

void monitor_run(const struct gconf *g, struct ct_config *c, const struct cg_paths *cg, const char *root, int report_fd)
{
	static struct mon m;
	m.g = g;
	m.c = c;
	m.cg = cg;
	m.root = root;
	monitor_main(&m, report_fd);
}

_Static_assert(MONITOR_LOCK_FD == HELPER_PASS_FD, "the monitor finds the CT lock where helper_spawn passes an fd");
_Static_assert(MONITOR_LOCK_FD + 1 == HELPER_ORIGIN_FD, "the monitor keeps its fds up to HELPER_ORIGIN_FD");

struct launch {
	const struct gconf *g;
	struct ct_config *c;
	const struct cg_paths *cg;
	const char *root;
};

/* No cellctl-monitor binary (or CELLCTL_INPROCESS_MONITOR set): the forked process monitors. */
static void __attribute__((noreturn)) monitor_inprocess(void *arg, int report_fd)
{
	struct launch *l = arg;
	monitor_run(l->g, l->c, l->cg, l->root, report_fd);
}

int monitor_launch(const struct gconf *g, struct ct_config *c, const struct cg_paths *cg, const char *root,
		   int lock_fd)
{
	_cleanup_free_ char *bin = getenv("CELLCTL_INPROCESS_MONITOR") ? NULL : helper_path("cellctl-monitor");
	_cleanup_free_ char *title = xasprintf("cellctl-monitor %u", c->ctid);
	_cleanup_free_ char *ctid = xasprintf("%u", c->ctid);
	_cleanup_free_ char *cgtext = cg_paths_format(cg);
	char *argv[] = {title, ctid, cgtext, UNCONST(restore_dir), NULL};
	struct launch l = {g, c, cg, root};
	/* forked into the monitors' unified cgroup, unless restoring (criu runs from where start
	 * ran); else, or where that fails, the monitor moves itself (cg_monitor_enter) */
	int into = -1, origin = -1;
	if (!restore_dir)
		cg_monitor_launch_fds(cg, &into, &origin);
	/* the report pipe becomes fd 3 of the monitor, the CT lock fd MONITOR_LOCK_FD (both kept
	 * across its exec) */
	struct helper_req rq = {.path = bin,
				.argv = argv,
				.pass_fd = lock_fd,
				.detach = true,
				.fallback = monitor_inprocess,
				.arg = &l,
				.into_cgroup = into >= 0,
				.cgroup_fd = into,
				.origin_fd = origin};
	int r = helper_spawn(&rq, NULL);
	struct ct_state st;
	struct cerr_saved es;
	cerr_save(&es);
	bool unborn = r == -ENODATA && into >= 0 && state_read(g, c->ctid, &st) == 0 && st.monitor_pid == getpid();
	cerr_restore(&es);
	if (unborn) {
		/* it died before its first step (the state still names us): a kernel that SIGKILLs a
		 * child cloned into a cgroup with another cgroup.kill count than its parent's (cgroup
		 * kill_seq: after a cgroup.kill of the caller's cgroup) kills it at birth. Once more,
		 * forked where we are */
		log_debug("the monitor died at birth in the monitors' cgroup: forking it again");
		rq.into_cgroup = false;
		r = helper_spawn(&rq, NULL);
	}
	if (into >= 0)
		close(into);
	if (origin >= 0)
		close(origin);
	if (r == -ENODATA)
		return cerr(EX_ENVCREATE, 0, "the container monitor died during start");
	return r;
}

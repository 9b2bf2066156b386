/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec and enter: start a command inside a running container without handing the guest anything
 * of the host's. The rules (man cellctl(8), SECURITY):
 *  - the process that joins is non-dumpable before it joins, so only a holder of CAP_SYS_PTRACE
 *    in the host's user namespace can trace it or open its /proc files;
 *  - it takes the guest's credentials and capability bounding set itself, before it forks the
 *    command's process (the first one the guest can see), so nothing the guest can reach ever
 *    runs with host credentials;
 *  - the command gets fds 0-2 (or the pty) and nothing else, a session of its own (no way to our
 *    controlling terminal through /dev/tty), and a pty of the container's devpts in place of any
 *    terminal of ours;
 *  - for a privileged container, whose root may trace it anyway, the binary runs from a sealed
 *    memfd copy, so /proc/PID/exe (or a "#!/proc/self/exe" script) leads to nothing writable. */
#include "nsexec.h"

#include <elf.h>
#include <fcntl.h>
#include <grp.h>
#include <link.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "caps.h"
#include "ctfreeze.h"
#include "error.h"
#include "log.h"
#include "monitor.h"
#include "phase.h"
#include "secfilter.h"
#include "state.h"
#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

/* Everything about the container, opened or read on the host before joining it. */
struct target {
	unsigned ctid;
	struct ct_state st;
	int pidfd, rootfd;
	int sysconn; /* to the monitor, which takes our sysinfo listener (sysnotif.h), or -1 */
	uint64_t capdrop;
	char *procs[CG_MAX_HIER]; /* cgroup.procs files to join */
	int unified;              /* index of the unified one in procs, or -1 */
	bool unified_joined;      /* forked into it already (join_helper): no write there */
};

static void target_free(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->rootfd >= 0)
		close(t->rootfd);
	if (t->sysconn >= 0)
		close(t->sysconn);
	t->pidfd = t->rootfd = t->sysconn = -1;
	for (unsigned i = 0; i < CG_MAX_HIER; i++) {
		free(t->procs[i]);
		t->procs[i] = NULL;
	}
}

/* init's cgroup on the unified hierarchy from /proc/PID/cgroup: the "0::" line, accepted only when
 * it lies under the container's own cgroup (the guest names its sub-cgroups, and a v1 line may
 * hold "0::" too). NULL when there is none. */
static char *init_unified_cgroup(pid_t init, const char *rel)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)init);
	if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
		return NULL;
	for (char *l = text, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = 0;
		if (!str_startswith(l, "0::/"))
			continue;
		const char *cg = l + 3;
		size_t n = strlen(rel);
		if (strncmp(cg + 1, rel, n) != 0 || (cg[1 + n] != '/' && cg[1 + n] != 0) || strstr(cg, "/../") ||
		    str_endswith(cg, "/.."))
			return NULL;
		return xstrdup(cg);
	}
	return NULL;
}

/* A connection over which the monitor takes the sysinfo listener of our filter (-1 when there is
 * none: the command then gets the filter without the sysinfo rule, and the kernel's sysinfo). Its
 * "ok" is read by whoever applies the filter (sysinfo_confirmed), by then long written: the
 * monitor's answer is not waited for on the way there. */
static int sysinfo_connect(const struct gconf *g, unsigned ctid)
{
	int fd = monitor_connect(g, ctid, "sysinfo-listener");
	return fd < 0 ? -1 : fd;
}

/* Did the monitor say "ok" on fd (it takes the listener)? */
static bool sysinfo_confirmed(int fd)
{
	char buf[4];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 2000) > 0 && read(fd, buf, sizeof(buf)) == 3 && memcmp(buf, "ok\n", 3) == 0;
}

/* What a command joins: container ctid, whose state st is as ct_running read it (NULL: not running). */
static int target_open(const struct gconf *g, unsigned ctid, const struct ct_state *st, struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->ctid = ctid;
	t->pidfd = t->rootfd = t->sysconn = t->unified = -1;
	if (!st)
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	t->st = *st;
	t->pidfd = proc_pidfd(t->st.init_pid, t->st.init_start);
	if (t->pidfd < 0)
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	/* the cgroups we are about to join are the ones this container's start made (not another
	 * installation's of the same name, not ones put there since): EX_CGFOREIGN otherwise */
	int vr = cg_verify(&t->st.cg);
	if (vr < 0)
		return vr == -ENOENT ? cerr(EX_NOTRUNNING, 0, "container %u is not running (its cgroup is gone)", ctid) : vr;
	if (ct_suspended(&t->st))
		return cerr(EX_SUSPENDED, 0, "container %u is suspended: resume it first", ctid);
	/* a command never gets more than the container's configured capabilities: no config, no
	 * command */
	struct ct_config *c = NULL;
	int r = ctconf_load(g, ctid, &c);
	if (r < 0)
		return r;
	r = caps_drop_mask(c->capability, &t->capdrop);
	/* the syscall filter, built while the host config is readable; become_guest_root loads it */
	int sr = r < 0 ? 0 : sec_exec_prepare(c);
	ctconf_free(c);
	if (r < 0)
		return cerr(EX_CAPS, 0, "invalid capability list in the config of container %u", ctid);
	if (sr < 0)
		return sr;
	if (sec_exec_wants_listener())
		t->sysconn = sysinfo_connect(g, ctid);
	for (unsigned i = 0; i < t->st.cg.n && i < CG_MAX_HIER; i++) {
		const struct cg_hier *h = &t->st.cg.h[i];
		_cleanup_free_ char *own = NULL;
		/* unified: join init's own cgroup, a leaf even when the guest made sub-cgroups */
		if (strcmp(h->name, "unified") == 0 || h->name[0] == 0) {
			own = init_unified_cgroup(t->st.init_pid, h->rel);
			t->unified = (int)i;
		}
		/* v1: "0" into tasks moves only the writing thread (we have no other), which spares
		 * the threadgroup lock's RCU grace period; unified: cgroup.procs (or forked into it) */
		t->procs[i] = own ? xasprintf("%s%s/cgroup.procs", h->mount, own)
				  : xasprintf("%s/%s/ct/%s", h->mount, h->rel, (int)i == t->unified ? "cgroup.procs" : "tasks");
	}
	/* init's root, taken before setns: setns puts us at the mount namespace's root mount, which
	 * is the container's root only when the host itself is not chrooted. Taken after the pidfd
	 * check and before setns(pidfd) succeeds, it is init's own. */
	char rpath[64];
	snprintf(rpath, sizeof(rpath), "/proc/%d/root", (int)t->st.init_pid);
	t->rootfd = open(rpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->rootfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", rpath);
	cerr_clear();
	return 0;
}

/* Close every fd above 2 except those in keep. */
static void close_all_but(const int *keep, size_t n)
{
	unsigned lo = 3;
	for (;;) {
		unsigned next = ~0U;
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo)
			syscall(SYS_close_range, lo, next == ~0U ? ~0U : next - 1, 0);
		if (next == ~0U)
			return;
		lo = next + 1;
	}
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Is init in a time namespace other than ours? A container restored by CRIU is (cellctl itself
 * never makes one): exec and enter join it then, or a later checkpoint finds the command's
 * processes in another namespace than init's and fails. */
static bool other_timens(pid_t init)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)init);
	return stat("/proc/self/ns/time", &a) == 0 && stat(path, &b) == 0 && (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/* Join the container's cgroups (on the host, by path), then all its namespaces and its root. */
static int join_container(struct target *t)
{
	for (unsigned i = 0; i < CG_MAX_HIER && t->procs[i]; i++) {
		if ((int)i == t->unified && t->unified_joined)
			continue;
		int r = write_file_at(AT_FDCWD, t->procs[i], "0");
		if (r < 0) {
			_cleanup_free_ char *p = str_escape(t->procs[i]);
			return cerr(EX_SYSTEM, r, "join cgroup %s", p);
		}
	}
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
	if (t->st.userns)
		flags |= CLONE_NEWUSER;
	if (other_timens(t->st.init_pid))
		flags |= CLONE_NEWTIME;
	if (setns(t->pidfd, flags) < 0)
		return cerr(EX_SYSTEM, errno, "enter the namespaces of init (pid %d)", (int)t->st.init_pid);
	if (fchdir(t->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return cerr(EX_SYSTEM, errno, "enter the root of init (pid %d)", (int)t->st.init_pid);
	close(t->pidfd);
	close(t->rootfd);
	t->pidfd = t->rootfd = -1;
	return 0;
}

/* The one point where the joined process becomes the guest's root: credentials, no supplementary
 * groups, the container's capability bounding set, a clean environment. Runs before the command's
 * process exists, so that process never has anything of the host's. */
static int become_guest_root(struct target *t)
{
	if (t->st.userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return cerr(EX_EXECFAIL, errno, "become root in the container");
	if (setgroups(0, NULL) < 0)
		return cerr(EX_EXECFAIL, errno, "drop the supplementary groups");
	/* the container's syscall filter, before the bounding set drops CAP_SYS_ADMIN; its sysinfo
	 * listener goes to the monitor (with no way to it: the filter without the sysinfo rule) */
	int listener = -1;
	int r = sec_exec_apply(t->sysconn >= 0 && sysinfo_confirmed(t->sysconn) ? &listener : NULL);
	if (r < 0)
		return r;
	if (listener >= 0) {
		if (fd_send(t->sysconn, "L", 1, listener) < 0)
			log_debug("hand the sysinfo listener to the monitor: %m");
		close(listener);
	}
	if (t->sysconn >= 0)
		close(t->sysconn);
	t->sysconn = -1;
	r = caps_apply_bound(t->capdrop);
	if (r < 0)
		return cerr(EX_EXECFAIL, r, "apply the capability bounding set");
	/* a credential change resets dumpability to fs.suid_dumpable: non-dumpable again */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	const char *term = getenv("TERM");
	_cleanup_free_ char *tv = xstrdup(term ? term : "dumb");
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", tv, 1);
	setenv("container", "cellctl", 1);
	if (chdir("/root") < 0 && chdir("/") < 0)
		return cerr(EX_SYSTEM, errno, "chdir /");
	return 0;
}

/* ---- running from a sealed copy (privileged containers) ---------------------------------- */
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define SEALED_ENV "CELLCTL_SEALED_EXEC"

static bool running_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	int s = fcntl(fd, F_GET_SEALS);
	close(fd);
	return s >= 0 && (s & SEALS) == SEALS;
}

/* Run argv again from a memfd copy of our binary that nobody can ever write. Returns only on
 * failure. */
static int reexec_sealed(char *const *argv)
{
	if (getenv(SEALED_ENV))
		return cerr(EX_SYSTEM, 0, "run from a sealed copy of the binary: the copy is not sealed");
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return cerr(EX_SYSTEM, errno, "open /proc/self/exe");
	struct stat sb;
	if (fstat(exe, &sb) < 0)
		return cerr(EX_SYSTEM, errno, "stat /proc/self/exe");
	/* only what execve and the dynamic loader read: up to the end of the last segment (a
	 * build with debug information is several times that) */
	off_t end = 0;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	for (unsigned long i = 0, n = getauxval(AT_PHNUM); ph && i < n; i++)
		if ((off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
			end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
	if (end <= 0 || end > sb.st_size)
		end = sb.st_size;
	_cleanup_close_ int mfd = memfd_create("cellctl", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL) /* before Linux 6.3 */
		mfd = memfd_create("cellctl", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return cerr(EX_SYSTEM, errno, "memfd_create");
	off_t off = 0;
	while (off < end) {
		ssize_t n = sendfile(mfd, exe, &off, (size_t)(end - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cerr(EX_SYSTEM, n < 0 ? errno : EIO, "copy the binary into a memfd");
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		return cerr(EX_SYSTEM, errno, "seal the memfd copy of the binary");
	setenv(SEALED_ENV, "1", 1);
	fexecve(mfd, argv, environ);
	int e = errno;
	unsetenv(SEALED_ENV);
	return cerr(EX_SYSTEM, e, "run from a sealed copy of the binary");
}

/* ---- the command's process --------------------------------------------------------------- */
/* In the forked command process: a session of its own, the pty as the chosen fds, nothing else,
 * then execve. Reports failure through errfd (EOF there means the command runs). */
static void __attribute__((noreturn)) run_command(const struct ct_exec_req *req, unsigned ctid, int slave, int errfd)
{
	/* our handlers (the caller's signal forwarding) do not run here; ignored signals stay so */
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			signal(sig, SIG_DFL);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	cerr_clear();
	int r = 0;
	if (setsid() < 0)
		r = cerr(EX_SYSTEM, errno, "setsid");
	if (r == 0 && slave >= 0) {
		if (ioctl(slave, TIOCSCTTY, 0) < 0)
			r = cerr(EX_SYSTEM, errno, "make the pty the controlling terminal");
		for (int i = 0; r == 0 && i < 3; i++)
			if (req->pty[i] && dup2(slave, i) < 0)
				r = cerr(EX_SYSTEM, errno, "dup2");
	}
	if (r < 0) {
		cerr_report_write(errfd, r);
		_exit(EX_SYSTEM);
	}
	close_all_but(&errfd, 1); /* errfd is O_CLOEXEC: gone at execve */
	int e;
	if (req->argv && req->argv[0]) {
		execvp(req->argv[0], req->argv);
		e = errno;
		_cleanup_free_ char *name = str_escape(req->argv[0]);
		r = cerr(e == ENOENT ? 127 : 126, e, "cannot execute %s in container %u", name, ctid);
	} else {
		execl("/bin/bash", "-bash", (char *)NULL);
		execl("/bin/sh", "-sh", (char *)NULL);
		e = errno;
		r = cerr(e == ENOENT ? 127 : 126, e, "cannot execute a shell (/bin/bash, /bin/sh) in container %u", ctid);
	}
	cerr_report_write(errfd, r);
	_exit(e == ENOENT ? 127 : 126);
}

/* Fork the command's process (no signal blocked, none handled); 0 once it has exec'd (or died
 * on the way: its status tells), else its report (recorded). */
static int fork_command(const struct ct_exec_req *req, unsigned ctid, int slave, pid_t *pid)
{
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	sigset_t all, saved;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved);
	*pid = fork();
	if (*pid == 0) {
		close(ep[0]);
		run_command(req, ctid, slave, ep[1]);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (*pid < 0) {
		close(ep[0]);
		close(ep[1]);
		return cerr(EX_SYSTEM, e, "fork");
	}
	close(ep[1]);
	int r = cerr_report_read(ep[0]);
	close(ep[0]);
	if (r == -ENODATA)
		return 0; /* EOF: execve closed the pipe */
	if (r == 0)
		return 0;
	int st;
	while (waitpid(*pid, &st, 0) < 0 && errno == EINTR)
		;
	*pid = -1;
	return r;
}

/* ---- with a pty: a helper joins, the caller stays on the host ----------------------------- */
struct hello {
	pid_t cmd;
};

static int send_master(int sock, int fd, pid_t cmd)
{
	struct hello h = {cmd};
	return fd_send(sock, &h, sizeof(h), fd);
}

/* The helper's one message: the pty master and the command's pid, or an error report. */
static int recv_master(int sock, pid_t *cmd)
{
	char buf[1200];
	int fd;
	ssize_t n = fd_recv(sock, buf, sizeof(buf) - 1, 0, &fd);
	if (n < 0)
		return cerr(EX_SYSTEM, (int)-n, "read from the exec helper");
	if (fd >= 0 && n == sizeof(struct hello)) {
		struct hello h;
		memcpy(&h, buf, sizeof(h));
		*cmd = h.cmd;
		return fd;
	}
	if (fd >= 0) /* not the helper's hello: the descriptor is not kept */
		close(fd);
	if (n == 0)
		return cerr(EX_SYSTEM, EIO, "the exec helper died");
	buf[n] = 0;
	int code = atoi(buf);
	const char *text = strchr(buf, ' ');
	return cerr(code > 0 ? code : EX_SYSTEM, 0, "%s", text ? text + 1 : "exec helper failed");
}

/* A new pty from the container's own devpts, as the guest's root (the guest owns its slave). */
static int open_pty(const struct ct_exec_req *req, int *slave)
{
	/* /dev/ptmx is the guest's: O_NONBLOCK so a FIFO there cannot hang us; TIOCGPTPEER fails
	 * on anything but a pty master */
	_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (m < 0)
		return cerr(EX_SYSTEM, errno, "open /dev/ptmx in the container");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return cerr(EX_SYSTEM, errno, "unlock the pty");
	*slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return cerr(EX_SYSTEM, errno, "open the pty peer");
	if (req->have_ws)
		ioctl(m, TIOCSWINSZ, &req->ws);
	if (req->pty_cooked) {
		struct termios tio;
		if (tcgetattr(*slave, &tio) == 0) {
			tio.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
			tio.c_oflag &= ~(tcflag_t)ONLCR;
			tcsetattr(*slave, TCSANOW, &tio);
		}
	}
	return take_fd(&m);
}

static void __attribute__((noreturn)) pty_helper(struct target *t, const struct ct_exec_req *req, int sock,
						 int devnull)
{
	/* never hold a terminal of ours: the command's pty fds become /dev/null here */
	for (int i = 0; i < 3; i++)
		if (req->pty[i])
			dup2(devnull, i);
	int keep[] = {sock, t->pidfd, t->rootfd, t->sysconn};
	close_all_but(keep, ARRAY_SIZE(keep));
	log_set_file(NULL); /* the log path means something else inside */
	int slave = -1, master = -1;
	pid_t cmd = -1;
	int r = join_container(t);
	if (r >= 0)
		r = become_guest_root(t);
	if (r >= 0)
		r = master = open_pty(req, &slave);
	if (r >= 0)
		r = fork_command(req, t->ctid, slave, &cmd);
	if (slave >= 0)
		close(slave);
	if (r < 0) {
		char buf[1100];
		int n = snprintf(buf, sizeof(buf), "%d %s", cerr_exit(), cerr_msg() ? cerr_msg() : strerror(-r));
		send(sock, buf, n > 0 ? (size_t)n : 0, MSG_NOSIGNAL);
		_exit(EX_SYSTEM);
	}
	if (send_master(sock, master, cmd) < 0)
		kill(cmd, SIGHUP);
	close(master);
	int st;
	while (waitpid(cmd, &st, 0) < 0)
		if (errno != EINTR)
			_exit(EX_SYSTEM);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1);
}

/* ---- without a pty: a helper forked into the unified cgroup ------------------------------ */
/* The helper says "S" (alive), joins the rest (its v1 cgroups, the namespaces, the root), becomes
 * the guest's root, forks the command and reports over sock: "P" and the command's pid, or "E" and
 * "CODE message".
 * It exits with the command's status. */
static void __attribute__((noreturn)) join_helper(struct target *t, const struct ct_exec_req *req, int sock)
{
	if (send(sock, "S", 1, MSG_NOSIGNAL) != 1) /* alive: see join_by_helper */
		_exit(EX_SYSTEM);
	int keep[] = {sock, t->pidfd, t->rootfd, t->sysconn};
	close_all_but(keep, ARRAY_SIZE(keep)); /* no log file: dropped before the fork */
	pid_t cmd = -1;
	int r = join_container(t);
	if (r >= 0)
		r = become_guest_root(t);
	if (r >= 0)
		r = fork_command(req, t->ctid, -1, &cmd);
	char buf[1100];
	int n;
	if (r < 0)
		n = snprintf(buf, sizeof(buf), "E%d %s", cerr_exit(), cerr_msg() ? cerr_msg() : strerror(-r));
	else {
		buf[0] = 'P';
		memcpy(buf + 1, &cmd, sizeof(cmd));
		n = 1 + (int)sizeof(cmd);
	}
	send(sock, buf, n > 0 ? (size_t)n : 0, MSG_NOSIGNAL);
	close(sock);
	if (r < 0)
		_exit(EX_SYSTEM);
	int st;
	while (waitpid(cmd, &st, 0) < 0)
		if (errno != EINTR)
			_exit(EX_SYSTEM);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1);
}

/* The directory of the unified cgroup the command joins (O_PATH), or -1. */
static int unified_leaf(const struct target *t)
{
	/* not after a reboot, whose cgroup.kill went through the leaf: kernels with cgroup kill_seq
	 * (6.14, and stable ones since) compare the new child's cgroup's count with the parent's and
	 * SIGKILL a child cloned into a cgroup killed more often than its parent's */
	if (t->unified < 0 || t->st.boots > 1)
		return -1;
	_cleanup_free_ char *dir = xstrdup(t->procs[t->unified]);
	*strrchr(dir, '/') = 0; /* ".../cgroup.procs" */
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/* fork(), or a clone3 into the cgroup of leaf when it is >= 0 and the kernel takes it (*into
 * true then). */
static pid_t fork_into(int leaf, bool *into)
{
	*into = false;
	if (leaf >= 0) {
		struct clone_args ca = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)leaf};
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*into = true;
			return pid;
		}
	}
	return fork();
}

/* Fork join_helper straight into the container's unified cgroup (CLONE_INTO_CGROUP): a process
 * created there never moves, so nothing waits for the threadgroup lock's RCU grace period that a
 * cgroup.procs write waits for. 1 when it runs (p filled in: the helper is p->pid), 0 when the
 * kernel refused (no unified hierarchy, kernel < 5.7: the caller joins by itself), or a negative
 * errno (recorded). */
static int join_by_helper(struct target *t, const struct ct_exec_req *req, struct ct_proc *p)
{
	_cleanup_close_ int leaf = unified_leaf(t);
	if (leaf < 0)
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cerr(EX_SYSTEM, errno, "socketpair");
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	struct clone_args ca = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)leaf};
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		close(sv[0]);
		t->unified_joined = true;
		join_helper(t, req, sv[1]); /* with every signal blocked */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return 0;
	}
	char buf[1200];
	ssize_t n;
	while ((n = recv(sv[0], buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		/* dead before its first step: a kernel whose cgroup kill_seq check SIGKILLs a child
		 * cloned into a cgroup that saw another number of cgroup.kill writes than its parent's
		 * (the caller's cgroup was killed once) does that at birth. This process joins. */
		close(sv[0]);
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		log_debug("the exec helper died at birth in the container's cgroup: joining without it");
		return 0;
	}
	if (n == 1 && buf[0] == 'S')
		while ((n = recv(sv[0], buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
			;
	close(sv[0]);
	if (n == 1 + (ssize_t)sizeof(pid_t) && buf[0] == 'P') {
		p->pid = pid;
		memcpy(&p->cmd, buf + 1, sizeof(pid_t));
		return 1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n <= 0 || buf[0] != 'E')
		return cerr(EX_SYSTEM, EIO, "the exec helper died");
	buf[n] = 0;
	int code = atoi(buf + 1);
	const char *text = strchr(buf, ' ');
	return cerr(code > 0 ? code : EX_SYSTEM, 0, "%s", text ? text + 1 : "exec helper failed");
}

/* ---- the entry point --------------------------------------------------------------------- */
/* fds 0-2 as the command will get them: open (/dev/null when closed), never a directory. */
static int check_stdio(const struct ct_exec_req *req)
{
	static const char *names[] = {"standard input", "standard output", "standard error"};
	for (int i = 0; i < 3; i++) {
		struct stat sb;
		if (fstat(i, &sb) < 0) {
			int fd = open("/dev/null", O_RDWR);
			if (fd >= 0 && fd != i) {
				dup2(fd, i);
				close(fd);
			}
			continue;
		}
		if (S_ISDIR(sb.st_mode) && !req->pty[i])
			return cerr(EX_BADVALUE, 0, "%s is a directory: it would let the container reach the host's files", names[i]);
	}
	return 0;
}

int ct_exec_spawn(const struct gconf *g, unsigned ctid, const struct ct_exec_req *req, struct ct_proc *p)
{
	p->pid = p->cmd = -1;
	p->master = p->done = -1;
	int r = check_stdio(req);
	if (r < 0)
		return r;
	/* a privileged container's command runs from a sealed copy: re-execute before anything else
	 * (the checks below run once, in the copy; a container that restarted meanwhile with another
	 * user namespace setting is caught after them) */
	struct ct_state st0;
	bool running = ct_running(g, ctid, &st0); /* the one read of its state */
	if (req->reexec_argv && running && !st0.userns && !running_sealed())
		return reexec_sealed(req->reexec_argv);
	struct target t;
	r = target_open(g, ctid, running ? &st0 : NULL, &t);
	phase_mark("exec.target");
	if (r < 0) {
		target_free(&t);
		return r;
	}
	if (!t.st.userns) {
		if (running_sealed()) {
			prctl(PR_SET_NAME, "cellctl", 0, 0, 0); /* not "memfd:cellctl" */
		} else if (req->reexec_argv) {
			target_free(&t);
			return reexec_sealed(req->reexec_argv);
		}
	}
	/* from here on, nothing forked from us can be traced or read through /proc by the guest */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	bool pty = req->pty[0] || req->pty[1] || req->pty[2];
	sigset_t all, old;
	sigfillset(&all);
	if (!pty) {
		/* no terminal to relay: a helper forked into the container's unified cgroup joins and
		 * forks the command; where the kernel cannot, this process joins and forks it. No log
		 * file from here on (never one inside), dropped before the helper's socket exists: a
		 * runner that closed its fds (hooks) has a stale log fd whose number may come back */
		log_set_file(NULL);
		r = join_by_helper(&t, req, p);
		phase_mark("exec.helper");
		if (r != 0) {
			target_free(&t);
			return r < 0 ? r : 0;
		}
		r = join_container(&t);
		phase_mark("exec.joined");
		if (r >= 0)
			r = become_guest_root(&t);
		phase_mark("exec.guestroot");
		target_free(&t);
		if (r < 0)
			return r;
		close_all_but(NULL, 0);
		r = fork_command(req, ctid, -1, &p->cmd);
		p->pid = p->cmd;
		return r < 0 ? r : 0;
	}
	int sv[2] = {-1, -1};
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		r = cerr(EX_SYSTEM, errno, "open /dev/null");
		goto out;
	}
	/* the helper is forked into the unified cgroup; once more without, where it died at birth
	 * (see join_by_helper) */
	int leaf = unified_leaf(&t), e = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		bool into = false;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			e = errno;
			p->pid = -1;
			break;
		}
		sigprocmask(SIG_BLOCK, &all, &old);
		p->pid = fork_into(attempt == 0 ? leaf : -1, &into);
		if (p->pid == 0) {
			close(sv[0]);
			t.unified_joined = into;
			if (into && send(sv[1], "S", 1, MSG_NOSIGNAL) != 1)
				_exit(EX_SYSTEM);
			pty_helper(&t, req, sv[1], devnull); /* with every signal blocked */
		}
		e = errno;
		/* our signals back before any wait on the helper (a guest may freeze its cgroup: the
		 * user's Ctrl-C must still end us) */
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sv[1]);
		sv[1] = -1;
		char c = 0;
		if (p->pid < 0 || !into || (recv(sv[0], &c, 1, 0) == 1 && c == 'S'))
			break;
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(sv[0]);
		sv[0] = -1;
	}
	if (leaf >= 0)
		close(leaf);
	close(devnull);
	if (p->pid < 0) {
		r = cerr(EX_SYSTEM, e, sv[0] < 0 ? "socketpair" : "fork");
		goto out;
	}
	r = recv_master(sv[0], &p->cmd);
	if (r < 0) {
		int st;
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
		p->pid = -1;
		goto out;
	}
	p->master = r;
	p->done = take_fd(&sv[0]);
	r = 0;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	target_free(&t);
	return r;
}

int ct_proc_wait(struct ct_proc *p)
{
	int status = 0;
	if (p->pid > 0) {
		while (waitpid(p->pid, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
	}
	if (p->master >= 0)
		close(p->master);
	if (p->done >= 0)
		close(p->done);
	p->master = p->done = -1;
	p->pid = -1;
	if (status == -1)
		return cerr(EX_SYSTEM, errno, "wait");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int ct_console_connect(const struct gconf *g, unsigned ctid)
{
	if (!ct_running(g, ctid, NULL))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	int fd = monitor_connect(g, ctid, "console");
	if (fd < 0)
		return cerr(EX_NOTRUNNING, fd, "connect to the monitor of container %u", ctid);
	return fd;
}

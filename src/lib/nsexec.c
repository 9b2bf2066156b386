#include "nsexec.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

#include "caps.h"
#include "error.h"
#include "log.h"
#include "monitor.h"
#include "secfilter.h"
#include "state.h"
#include "util.h"

/* Join the container: its cgroups (as the guest's init sees them), then all its namespaces. */
static int join_container(const struct ct_state *st, int pidfd)
{
	char self[16];
	snprintf(self, sizeof(self), "%d", (int)getpid());
	for (unsigned i = 0; i < st->cg.n; i++) {
		const struct cg_hier *h = &st->cg.h[i];
		_cleanup_free_ char *procs = NULL;
		if (strcmp(h->name, "unified") == 0 || h->name[0] == 0) {
			/* join init's own cgroup: a leaf even when the guest made sub-cgroups */
			char path[64];
			_cleanup_free_ char *text = NULL;
			snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)st->init_pid);
			if (read_file_at(AT_FDCWD, path, &text, NULL) == 0) {
				char *l = strstr(text, "0::");
				if (l) {
					l += 3;
					l[strcspn(l, "\n")] = 0;
					procs = xasprintf("%s%s/cgroup.procs", h->mount, l);
				}
			}
		}
		if (!procs)
			procs = xasprintf("%s/%s/ct/cgroup.procs", h->mount, h->rel);
		int r = write_file_at(AT_FDCWD, procs, self);
		if (r < 0)
			return cerr(EX_SYSTEM, r, "join cgroup %s", procs);
	}
	/* init's root, taken before setns: setns puts us at the mount namespace's root mount, which
	 * is the container's root only when the host itself is not chrooted */
	char rpath[64];
	snprintf(rpath, sizeof(rpath), "/proc/%d/root", (int)st->init_pid);
	_cleanup_close_ int rootfd = open(rpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", rpath);
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
	if (st->userns)
		flags |= CLONE_NEWUSER;
	if (setns(pidfd, flags) < 0)
		return cerr(EX_SYSTEM, errno, "enter the namespaces of init (pid %d)", (int)st->init_pid);
	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return cerr(EX_SYSTEM, errno, "enter the root of init (pid %d)", (int)st->init_pid);
	return 0;
}

/* In the forked child: become the guest's root with its capability bounding set. */
static int become_guest_root(const struct ct_state *st, const char *capcfg)
{
	if (st->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return cerr(EX_SYSTEM, errno, "become root in the container");
	setgroups(0, NULL);
	if (sec_exec_apply() < 0)
		return -EPERM;
	uint64_t mask;
	if (caps_drop_mask(capcfg, &mask) < 0)
		return cerr(EX_CAPS, 0, "invalid capability list");
	int r = caps_apply_bound(mask);
	if (r < 0)
		return cerr(EX_CAPS, r, "apply the capability bounding set");
	const char *term = getenv("TERM");
	_cleanup_free_ char *t = xstrdup(term ? term : "dumb");
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", t, 1);
	setenv("container", "cellctl", 1);
	if (chdir("/root") < 0 && chdir("/") < 0)
		return cerr(EX_SYSTEM, errno, "chdir /");
	return 0;
}

static int open_target(const struct gconf *g, unsigned ctid, struct ct_state *st, char **capcfg)
{
	if (!ct_running(g, ctid, st))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	int pidfd = proc_pidfd(st->init_pid, st->init_start);
	if (pidfd < 0)
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	struct ct_config *c = NULL;
	*capcfg = NULL;
	if (ctconf_load(g, ctid, &c) == 0) {
		*capcfg = c->capability ? xstrdup(c->capability) : NULL;
		sec_exec_prepare(c); /* the syscall filter, loaded by become_guest_root */
		ctconf_free(c);
	}
	cerr_clear();
	return pidfd;
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cerr(EX_SYSTEM, errno, "wait");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int ct_exec(const struct gconf *g, unsigned ctid, char **argv)
{
	struct ct_state st;
	_cleanup_free_ char *capcfg = NULL;
	_cleanup_close_ int pidfd = open_target(g, ctid, &st, &capcfg);
	if (pidfd < 0)
		return pidfd;
	int r = join_container(&st, pidfd);
	if (r < 0)
		return r;
	pid_t pid = fork();
	if (pid < 0)
		return cerr(EX_SYSTEM, errno, "fork");
	if (pid == 0) {
		if (become_guest_root(&st, capcfg) < 0) {
			fprintf(stderr, "cellctl: %s\n", cerr_msg());
			_exit(EX_EXECFAIL);
		}
		execvp(argv[0], argv);
		int e = errno;
		fprintf(stderr, "cellctl: cannot execute %s in container %u: %s\n", argv[0], ctid, strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	return wait_status(pid);
}

static int send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -EIO;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EIO;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static struct termios saved_tio;
static bool tio_saved;
static void tty_raw(void)
{
	if (!isatty(0) || tcgetattr(0, &saved_tio) < 0)
		return;
	struct termios t = saved_tio;
	cfmakeraw(&t);
	tcsetattr(0, TCSANOW, &t);
	tio_saved = true;
}
static void tty_restore(void)
{
	if (tio_saved)
		tcsetattr(0, TCSANOW, &saved_tio);
	tio_saved = false;
}

static volatile sig_atomic_t winch;
static void on_winch(int s)
{
	(void)s;
	winch = 1;
}

/* Copy between our terminal and fd until fd closes; escape: Ctrl-a q when escape is set. */
static void relay(int fd, bool escape, int winsize_fd)
{
	struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
	char buf[4096];
	bool ctrl_a = false, in_open = true;
	for (;;) {
		if (winch && winsize_fd >= 0) {
			struct winsize ws;
			winch = 0;
			if (ioctl(0, TIOCGWINSZ, &ws) == 0)
				ioctl(winsize_fd, TIOCSWINSZ, &ws);
		}
		p[0].fd = in_open ? 0 : -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				return;
			if (write_full(1, buf, (size_t)n) < 0)
				return;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				continue;
			}
			if (escape) {
				for (ssize_t i = 0; i < n; i++) {
					if (ctrl_a && (buf[i] == 'q' || buf[i] == 'Q'))
						return;
					ctrl_a = buf[i] == 1;
				}
			}
			if (write_full(fd, buf, (size_t)n) < 0)
				return;
		}
	}
}

int ct_enter(const struct gconf *g, unsigned ctid, char **argv)
{
	struct ct_state st;
	_cleanup_free_ char *capcfg = NULL;
	_cleanup_close_ int pidfd = open_target(g, ctid, &st, &capcfg);
	if (pidfd < 0)
		return pidfd;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return cerr(EX_SYSTEM, errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0)
		return cerr(EX_SYSTEM, errno, "fork");
	if (pid == 0) {
		close(sv[0]);
		if (join_container(&st, pidfd) < 0)
			goto fail;
		if (st.userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
			cerr(EX_SYSTEM, errno, "become root in the container");
			goto fail;
		}
		/* the pty comes from the container's own devpts */
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		int unlock = 0;
		if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0) {
			cerr(EX_SYSTEM, errno, "open /dev/ptmx in the container");
			goto fail;
		}
		int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
		if (slave < 0) {
			cerr(EX_SYSTEM, errno, "open the pty peer");
			goto fail;
		}
		if (send_fd(sv[1], master) < 0)
			_exit(1);
		close(master);
		pid_t sh = fork();
		if (sh == 0) {
			setsid();
			ioctl(slave, TIOCSCTTY, 0);
			dup2(slave, 0);
			dup2(slave, 1);
			dup2(slave, 2);
			if (slave > 2)
				close(slave);
			if (become_guest_root(&st, capcfg) < 0) {
				fprintf(stderr, "cellctl: %s\r\n", cerr_msg());
				_exit(EX_EXECFAIL);
			}
			if (argv && argv[0]) {
				execvp(argv[0], argv);
			} else {
				execl("/bin/bash", "-bash", (char *)NULL);
				execl("/bin/sh", "-sh", (char *)NULL);
			}
			fprintf(stderr, "cellctl: cannot execute a shell: %s\r\n", strerror(errno));
			_exit(127);
		}
		close(slave);
		_exit(sh < 0 ? 1 : wait_status(sh));
	fail:
		fprintf(stderr, "cellctl: %s\n", cerr_msg() ? cerr_msg() : "enter failed");
		_exit(EX_SYSTEM);
	}
	close(sv[1]);
	int master = recv_fd(sv[0]);
	close(sv[0]);
	if (master < 0) {
		wait_status(pid); /* the child said why on stderr */
		return cerr(EX_SYSTEM, EIO, "no terminal from container %u", ctid);
	}
	fprintf(stderr, "entered into CT %u\n", ctid);
	struct winsize ws;
	if (isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
	signal(SIGWINCH, on_winch);
	signal(SIGINT, SIG_IGN);
	tty_raw();
	relay(master, false, master);
	tty_restore();
	close(master);
	int rc = wait_status(pid);
	fprintf(stderr, "exited from CT %u\n", ctid);
	return rc;
}

int ct_console(const struct gconf *g, unsigned ctid)
{
	if (!ct_running(g, ctid, NULL))
		return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
	int fd = monitor_connect(g, ctid, "console");
	if (fd < 0)
		return cerr(EX_NOTRUNNING, fd, "connect to the monitor of container %u", ctid);
	fprintf(stderr, "Attached to CT %u console (detach: Ctrl-a q)\n", ctid);
	tty_raw();
	relay(fd, true, -1);
	tty_restore();
	close(fd);
	fprintf(stderr, "\nDetached from CT %u console\n", ctid);
	return 0;
}

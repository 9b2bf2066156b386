#include "spawn.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>

#include "caps.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "guestnet.h"
#include "mounts.h"
#include "netlink.h"
#include "runconf.h"
#include "util.h"

/* handshake messages */
enum { MSG_GO = 1, MSG_CONSOLE = 2, MSG_ERROR = 3, MSG_NOTIFY = 4 };
struct sync_msg {
	int type;
	int code; /* exit code for MSG_ERROR */
	char text[480];
};

static int send_msg(int sock, int type, int code, const char *text, int fd)
{
	struct sync_msg m = {.type = type, .code = code};
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* 0 on EOF, 1 on a message, -errno on error */
static int recv_msg(int sock, struct sync_msg *m, int *fd)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*m))
		return -EPROTO;
	m->text[sizeof(m->text) - 1] = 0;
	if (fd) {
		*fd = -1;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
				memcpy(fd, CMSG_DATA(cm), sizeof(int));
	}
	return 1;
}

static __attribute__((noreturn)) void child_fail(int sock)
{
	send_msg(sock, MSG_ERROR, cerr_exit(), cerr_msg() ? cerr_msg() : "container setup failed", -1);
	_exit(1);
}

static __attribute__((noreturn)) void child_main(const struct spawn_req *rq, int sock)
{
	const struct ct_config *c = rq->c;
	struct sync_msg m;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (recv_msg(sock, &m, NULL) != 1 || m.type != MSG_GO)
		_exit(1);
	prctl(PR_SET_PDEATHSIG, 0);

	struct mnt_opts mo = {.root = rq->root, .userns = c->userns, .cgmode = rq->cg->mode};
	int notify = -1;
	if (mnt_bind_root(&mo) < 0)
		child_fail(sock);
	if (c->userns) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0) {
			cerr(EX_ENVCREATE, errno, "become root in the user namespace");
			child_fail(sock);
		}
	}
	/* the parent has put us in our cgroups: that becomes the guest's cgroup root */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		cerr(EX_ENVCREATE, errno, "create the cgroup namespace");
		child_fail(sock);
	}
	int master = -1;
	if (mnt_populate(&mo, &master, &notify) < 0)
		child_fail(sock);
	if (send_msg(sock, MSG_CONSOLE, 0, NULL, master) < 0 ||
	    (notify >= 0 && send_msg(sock, MSG_NOTIFY, 0, NULL, notify) < 0))
		_exit(1);
	close(master);
	if (notify >= 0)
		close(notify);
	if (mnt_pivot() < 0)
		child_fail(sock);
	const char *hn = c->hostname && *c->hostname ? c->hostname : "localhost";
	if (sethostname(hn, strlen(hn)) < 0) {
		cerr(EX_BADHOSTNAME, errno, "set hostname %s", hn);
		child_fail(sock);
	}
	uint64_t drop;
	if (caps_drop_mask(c->capability, &drop) < 0) {
		cerr(EX_CAPS, 0, "invalid capability list '%s'", c->capability);
		child_fail(sock);
	}
	int r = caps_apply_bound(drop);
	if (r < 0) {
		cerr(EX_CAPS, r, "drop capabilities");
		child_fail(sock);
	}
	/* stdio on the console, a session leader without a controlling terminal: as on a real
	 * machine, where the kernel never makes /dev/console init's controlling tty. With it, a
	 * sysvinit guest's console login had no job control and Ctrl-C went to init. */
	int con = open("/dev/console", O_RDWR | O_NOCTTY);
	if (con < 0) {
		cerr(EX_ENVCREATE, errno, "open /dev/console");
		child_fail(sock);
	}
	setsid();
	if (dup2(con, 0) < 0 || dup2(con, 1) < 0 || dup2(con, 2) < 0)
		_exit(1);
	/* keep only stdio and the handshake socket (close-on-exec: EOF at exec is the success) */
	if (sock != 3) {
		if (dup3(sock, 3, O_CLOEXEC) < 0)
			_exit(1);
		sock = 3;
	}
	syscall(SYS_close_range, 4, ~0U, 0);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);

	char uuidenv[80];
	snprintf(uuidenv, sizeof(uuidenv), "container_uuid=%s", c->uuid ? c->uuid : "");
	char *envp[] = {"container=cellctl", uuidenv, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=linux", notify >= 0 ? "NOTIFY_SOCKET=/run/host/notify" : NULL, NULL};
	static const char *inits[] = {"/sbin/init", "/etc/init", "/bin/init"};
	int first_err = 0;
	for (size_t i = 0; i < ARRAY_SIZE(inits); i++) {
		char *argv[] = {(char *)inits[i], NULL};
		execve(inits[i], argv, envp);
		if (errno != ENOENT && !first_err)
			first_err = errno;
	}
	if (first_err)
		cerr(EX_BADTEMPLATE, first_err, "cannot execute the guest's init");
	else
		cerr(EX_BADTEMPLATE, 0, "no init found in the guest (/sbin/init, /etc/init, /bin/init)");
	child_fail(sock);
}

/* An empty (or "uninitialized") /etc/machine-id gets the container's UUID, as systemd does for
 * itself from container_uuid: the id is then the same for every init, and stable across boots. */
static int guest_machine_id(int rootfd, const struct ct_config *c, uid_t owner)
{
	_cleanup_free_ char *old = NULL;
	mode_t mode;
	if (!c->uuid || !*c->uuid || guest_read(rootfd, "etc/machine-id", &old, &mode) < 0 || !old)
		return 0; /* a guest without one does not use it */
	old[strcspn(old, " \t\r\n")] = 0;
	if (old[0] && strcmp(old, "uninitialized") != 0)
		return 0;
	char id[40];
	size_t k = 0;
	for (const char *p = c->uuid; *p && k < 32; p++)
		if (*p != '-')
			id[k++] = *p;
	id[k++] = '\n';
	int r = guest_write_file(rootfd, "etc/machine-id", id, k, mode & 07777, owner, owner);
	if (r < 0)
		return cerr(EX_ENVCREATE, r, "write the guest's /etc/machine-id");
	return 0;
}

static int write_idmap(pid_t pid, const char *file, uint32_t base, uint32_t size)
{
	char path[64], map[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	snprintf(map, sizeof(map), "0 %u %u\n", base, size);
	int r = write_file_at(AT_FDCWD, path, map);
	if (r < 0)
		return cerr(EX_ENVCREATE, r, "write %s", path);
	return 0;
}

/* clone(CLONE_NEWUSER) got EPERM: say why in terms an admin can act on. */
static int userns_refused(void)
{
	struct stat self, init;
	if (stat("/", &self) == 0 && stat("/proc/1/root/", &init) == 0 &&
	    (self.st_dev != init.st_dev || self.st_ino != init.st_ino))
		return cerr(EX_ENVCREATE, EPERM,
			    "cannot create the container's user namespace: cellctl runs inside a chroot, where the "
			    "kernel refuses new user namespaces (run it outside the chroot, or create the container "
			    "with --userns no)");
	_cleanup_free_ char *max = NULL;
	if (read_file_at(AT_FDCWD, "/proc/sys/user/max_user_namespaces", &max, NULL) == 0 && atoi(max) == 0)
		return cerr(EX_ENVCREATE, EPERM,
			    "cannot create the container's user namespace: user.max_user_namespaces is 0");
	return cerr(EX_ENVCREATE, EPERM, "cannot create the container's user namespace");
}

int spawn_init(const struct spawn_req *rq, struct spawn_res *out)
{
	const struct ct_config *c = rq->c;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cerr(EX_SYSTEM, errno, "socketpair");
	int leaf = rq->migrate ? -1 : cg_leaf_fd(rq->cg);
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_PIDFD;
	if (c->userns)
		flags |= CLONE_NEWUSER;
	int pidfd = -1;
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | (leaf >= 0 ? CLONE_INTO_CGROUP : 0);
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = leaf >= 0 ? (uint64_t)leaf : 0;
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && leaf >= 0 && (errno == EINVAL || errno == ENOSYS || errno == E2BIG)) {
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		ca.cgroup = 0;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	}
	int e = errno;
	if (leaf >= 0)
		close(leaf);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		if (e == EPERM && c->userns)
			return userns_refused();
		return cerr(EX_ENVCREATE, e, "clone the container's init");
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(rq, sv[1]);
	}
	close(sv[1]);
	int sock = sv[0], r = 0, master = -1, notify = -1;
	if (c->userns) {
		if ((r = write_idmap(pid, "uid_map", c->uid_base, c->uid_size)) < 0 ||
		    (r = write_idmap(pid, "gid_map", c->uid_base, c->uid_size)) < 0)
			goto fail;
	}
	r = cg_backend(rq->cg->mode)->attach(rq->cg, pid);
	if (r < 0)
		goto fail;
	/* the guest's files and network, before its init runs */
	{
		_cleanup_close_ int rootfd = open(rq->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		uid_t owner = c->userns ? c->uid_base : 0;
		if (rootfd < 0) {
			r = cerr(EX_NOPRIVATE, errno, "open private area %s", rq->root);
			goto fail;
		}
		if ((r = gnet_write_files(rootfd, c, owner, owner)) < 0 || (r = guest_machine_id(rootfd, c, owner)) < 0)
			goto fail;
	}
	if (c->nnetif && (r = net_setup_container(rq->g, c, pid)) < 0)
		goto fail;
	if ((r = runconf_save(rq->g, c)) < 0) /* what live changes are computed against */
		goto fail;
	if ((r = send_msg(sock, MSG_GO, 0, NULL, -1)) < 0) {
		cerr(EX_ENVCREATE, r, "start the container's init");
		goto fail;
	}
	for (;;) {
		struct sync_msg m;
		int fd = -1;
		r = recv_msg(sock, &m, &fd);
		if (r == 0)
			break; /* EOF: init exec'd, or the child died */
		if (r < 0) {
			cerr(EX_ENVCREATE, r, "read from the container's init");
			goto fail;
		}
		if (m.type == MSG_CONSOLE && fd >= 0) {
			if (master >= 0)
				close(master);
			master = fd;
		} else if (m.type == MSG_NOTIFY && fd >= 0) {
			if (notify >= 0)
				close(notify);
			notify = fd;
		} else if (m.type == MSG_ERROR) {
			cerr(m.code ? m.code : EX_ENVCREATE, 0, "%s", m.text);
			r = -EIO;
			goto fail;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	/* EOF also comes when the child died before exec: tell them apart */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0) {
		cerr(EX_ENVCREATE, 0, "the container's init died during setup (status %d)", si.si_status);
		r = -EIO;
		goto fail;
	}
	close(sock);
	out->pid = pid;
	out->pidfd = pidfd;
	out->console_master = master;
	out->notify_fd = notify;
	return 0;
fail:
	close(sock);
	kill(pid, SIGKILL);
	waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){0}, WEXITED);
	close(pidfd);
	if (master >= 0)
		close(master);
	if (notify >= 0)
		close(notify);
	return r < 0 ? r : -EIO;
}

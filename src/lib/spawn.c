/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#include "bindmnt.h"
#include "caps.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "guestnet.h"
#include "hooks.h"
#include "mounts.h"
#include "netlink.h"
#include "phase.h"
#include "routed.h"
#include "runconf.h"
#include "secfilter.h"
#include "tpltree.h"
#include "util.h"

/* handshake messages (monitor <-> init, and mount helper -> monitor) */
enum { MSG_GO = 1, MSG_CONSOLE = 2, MSG_ERROR = 3, MSG_NOTIFY = 4, MSG_NSREADY = 5, MSG_MOUNTS = 6, MSG_LISTENER = 7 };
#define MSG_MAXFDS 2
struct sync_msg {
	int type;
	int code; /* exit code for MSG_ERROR */
	char text[480];
};

/* Send a message with nfds file descriptors (at most MSG_MAXFDS). */
static int send_msgv(int sock, int type, int code, const char *text, const int *fds, int nfds)
{
	struct sync_msg m = {.type = type, .code = code};
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_msg(int sock, int type, int code, const char *text, int fd)
{
	return send_msgv(sock, type, code, text, &fd, fd >= 0 ? 1 : 0);
}

/* 0 on EOF, 1 on a message, -errno on error. fds (MSG_MAXFDS of them, may be NULL: any passed
 * descriptor is then closed) get the descriptors that came along, -1 for the rest. */
static int recv_msgv(int sock, struct sync_msg *m, int *fds)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	if (fds)
		for (int i = 0; i < MSG_MAXFDS; i++)
			fds[i] = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	cmsg_take_fds(&mh, fds, fds ? MSG_MAXFDS : 0);
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*m) || (mh.msg_flags & MSG_CTRUNC)) {
		if (fds)
			for (int i = 0; i < MSG_MAXFDS; i++)
				if (fds[i] >= 0)
					close(fds[i]), fds[i] = -1;
		return -EPROTO;
	}
	m->text[sizeof(m->text) - 1] = 0;
	return 1;
}

/* Wait for one message of type want; MSG_ERROR and EOF are failures (cerr set). */
static int expect_msg(int sock, int want, int *fds)
{
	struct sync_msg m;
	int r = recv_msgv(sock, &m, fds);
	if (r == 1 && m.type == want)
		return 0;
	if (fds)
		for (int i = 0; i < MSG_MAXFDS; i++)
			if (fds[i] >= 0)
				close(fds[i]), fds[i] = -1;
	if (r == 1 && m.type == MSG_ERROR)
		return cerr(m.code ? m.code : EX_ENVCREATE, 0, "%s", m.text);
	return cerr(EX_ENVCREATE, r < 0 ? r : EPROTO, "container setup: unexpected message");
}

static __attribute__((noreturn)) void child_fail(int sock)
{
	send_msg(sock, MSG_ERROR, cerr_exit(), cerr_msg() ? cerr_msg() : "container setup failed", -1);
	_exit(1);
}

/* The container's init, from clone to exec. It has its own user (unless --userns no), pid, uts,
 * ipc and net namespaces, but shares the monitor's mount namespace until the monitor hands it
 * the container's (built by the mount helper, below). */
static __attribute__((noreturn)) void child_main(const struct spawn_req *rq, const struct sec_prog *filter, int sock,
						 int tasks[CG_MAX_HIER])
{
	const struct ct_config *c = rq->c;
	struct sync_msg m;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (recv_msgv(sock, &m, NULL) != 1 || m.type != MSG_GO)
		_exit(1);
	prctl(PR_SET_PDEATHSIG, 0);
	/* into the container's v1 cgroups by ourselves (cg_leaf_tasks_open: no grace period to wait) */
	for (unsigned i = 0; i < CG_MAX_HIER; i++)
		if (tasks[i] >= 0 && write(tasks[i], "0", 1) != 1) {
			cerr(EX_ENVCREATE, errno, "move the container's init into its %s cgroup %s/%s/ct",
			     i < rq->cg->n ? rq->cg->h[i].name : "?", i < rq->cg->n ? rq->cg->h[i].mount : "",
			     i < rq->cg->n ? rq->cg->h[i].rel : "");
			child_fail(sock);
		}
	cg_fds_close(tasks);

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
	/* our namespaces are complete: the monitor builds the mounts in them and sends the result */
	int ns[MSG_MAXFDS];
	if (send_msg(sock, MSG_NSREADY, 0, NULL, -1) < 0 || expect_msg(sock, MSG_MOUNTS, ns) < 0)
		_exit(1); /* the monitor says why, or is gone */
	if (ns[0] < 0 || ns[1] < 0) {
		cerr(EX_ENVCREATE, EPROTO, "no mount namespace for the container");
		child_fail(sock);
	}
	if (mnt_enter(ns[0], ns[1]) < 0 || (c->userns && c->nesting && mnt_late_masks() < 0))
		child_fail(sock);
	close(ns[0]);
	close(ns[1]);
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
	/* the syscall filter: while we still hold CAP_SYS_ADMIN (a config may drop it), so that
	 * init need not have no_new_privs (its setuid programs keep working) */
	int listener;
	int r = sec_load(filter, &listener);
	if (r < 0) {
		cerr(EX_ENVCREATE, r, "apply the syscall filter (seccomp, no_new_privs)");
		child_fail(sock);
	}
	/* the sysinfo listener goes to the monitor, which answers the guest's sysinfo calls (code:
	 * EBUSY when the kernel refused a second listener in our filter chain) */
	if (filter->ninsns) {
		if (send_msg(sock, MSG_LISTENER, listener < -1 ? -listener : 0, NULL, listener) < 0)
			_exit(1);
		if (listener >= 0)
			close(listener);
	}
	r = caps_apply_bound(drop);
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
	/* keep only stdio, the passed sockets at 3 and up (inherited: sd_listen_fds) and the
	 * handshake socket after them (close-on-exec: EOF at exec is the success); out of the way of
	 * those numbers first */
	unsigned nl = rq->nlisten;
	int high[SPAWN_MAX_LISTEN];
	for (unsigned i = 0; i < nl; i++)
		if ((high[i] = fcntl(rq->listen_fds[i], F_DUPFD_CLOEXEC, (int)nl + 4)) < 0)
			_exit(1);
	if ((sock = fcntl(sock, F_DUPFD_CLOEXEC, (int)nl + 4)) < 0)
		_exit(1);
	for (unsigned i = 0; i < nl; i++)
		if (dup2(high[i], 3 + (int)i) < 0) /* without close-on-exec */
			_exit(1);
	if (dup3(sock, 3 + (int)nl, O_CLOEXEC) < 0)
		_exit(1);
	sock = 3 + (int)nl;
	syscall(SYS_close_range, nl + 4, ~0U, 0);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);

	char uuidenv[80];
	snprintf(uuidenv, sizeof(uuidenv), "container_uuid=%s", c->uuid ? c->uuid : "");
	bool notify = access("/run/host/notify", F_OK) == 0;
	char *envp[] = {UNCONST("container=cellctl"), uuidenv, UNCONST("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
			UNCONST("TERM=linux"), NULL, NULL, NULL, NULL, NULL};
	size_t ne = 4;
	if (notify)
		envp[ne++] = UNCONST("NOTIFY_SOCKET=/run/host/notify");
	char lfds[32], lnames[sizeof("LISTEN_FDNAMES=") + SPAWN_MAX_LISTEN * 80];
	if (nl) {
		snprintf(lfds, sizeof(lfds), "LISTEN_FDS=%u", nl);
		snprintf(lnames, sizeof(lnames), "LISTEN_FDNAMES=%s", rq->listen_names ? rq->listen_names : "");
		envp[ne++] = lfds;
		envp[ne++] = UNCONST("LISTEN_PID=1"); /* init is 1 in its pid namespace */
		envp[ne++] = lnames;
	}
	static const char *inits[] = {"/sbin/init", "/etc/init", "/bin/init"};
	int first_err = 0;
	for (size_t i = 0; i < ARRAY_SIZE(inits); i++) {
		char *argv[] = {UNCONST(inits[i]), NULL};
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

/* ---- the mount helper ----
 * The container's tree is built by a process that is the host's root, in a mount namespace the
 * host's user namespace owns (so nothing in it is locked against us, and pivot_root can detach
 * the host's tree), but in init's pid, net and cgroup namespaces (procfs takes the mounter's pid
 * namespace, sysfs its net namespace, cgroup2 its cgroup namespace). With a user namespace it
 * then joins init's user namespace and copies the mount namespace: a copy into a less privileged
 * user namespace has every mount locked (MNT_LOCKED, MNT_LOCK_READONLY...), so root inside cannot
 * unmount the masks, make /proc/sys writable or mount a procfs that shows what they hide.
 * Without a user namespace init joins the first namespace (root there is the host's root: the
 * kernel cannot lock mounts against it). Init can setns() into a namespace its user namespace
 * owns; it gets the namespace and a descriptor of the container's root over its socket.
 *
 * Two processes, because setns(CLONE_NEWPID) only moves our children: the helper H (forked from
 * the monitor) joins the namespaces and waits for the builder B, its child, which does the work
 * and reports over sock: MSG_CONSOLE, MSG_NOTIFY, then MSG_MOUNTS (namespace, root) or
 * MSG_ERROR. */
static int guest_machine_id(int rootfd, const struct ct_config *c, uid_t owner);

/* Layout overlay: the guest's files of the host (network, host name, machine-id) go through the
 * merged tree, which exists only here: into the upper layer, as the guest would write them. */
static int overlay_guest_files(const struct ct_config *c)
{
	_cleanup_close_ int rootfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	uid_t owner = c->userns ? c->uid_base : 0;
	if (rootfd < 0)
		return cerr(EX_NOPRIVATE, errno, "open the container's merged root");
	int r = gnet_write_files(rootfd, c, owner, owner);
	return r < 0 ? r : guest_machine_id(rootfd, c, owner);
}

static __attribute__((noreturn)) void builder_main(const struct spawn_req *rq, int pidfd, int sock, pid_t init)
{
	const struct ct_config *c = rq->c;
	/* layout overlay: the container's template tree, and the trees below it when that is a layer's */
	char **stack = NULL;
	unsigned nstack = 0;
	if (ctconf_overlay(c) && tpl_tree_stack_paths(rq->g, c->template_tree, &stack, &nstack) < 0)
		child_fail(sock);
	const char *tree = nstack ? stack[0] : NULL;
	struct mnt_opts mo = {.root = rq->root,
			      .lowers = nstack ? (const char *const *)(stack + 1) : NULL,
			      .nlowers = nstack ? nstack - 1 : 0,
			      .userns = c->userns,
			      .cgmode = rq->cg->mode,
			      .uid = c->userns ? c->uid_base : 0,
			      .gid = c->userns ? c->uid_base : 0,
			      .nesting = c->userns && c->nesting,
			      .tree = tree,
			      .lxcfs = rq->lxcfs,
			      .userns_fd = -1};
	int master = -1, notify = -1;
	if ((tree && c->userns) || ctconf_mapped(c)) {
		/* our /proc is still the host's: init by its host pid (it waits for us, pidfd holds it) */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init);
		if ((mo.userns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			cerr(EX_CANTMOUNT, errno, "open the container's user namespace");
			child_fail(sock);
		}
	}
	/* bind mounts from the host: cloned while we are still in the host's mount namespace (a
	 * slave's master is the host's mount) */
	int *binds = NULL;
	if (c->nbinds) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init);
		_cleanup_close_ int ufd = c->userns ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		if ((c->userns && ufd < 0 && cerr(EX_CANTMOUNT, errno, "open the container's user namespace") < 0) ||
		    bmnt_open_all(rq->g, c, ufd, &binds) < 0)
			child_fail(sock);
	}
	if (unshare(CLONE_NEWNS) < 0) {
		cerr(EX_CANTMOUNT, errno, "create a mount namespace");
		child_fail(sock);
	}
	if (mnt_bind_root(&mo) < 0 || (tree && overlay_guest_files(c) < 0) || mnt_populate(&mo, &master, &notify) < 0)
		child_fail(sock);
	if (mo.userns_fd >= 0)
		close(mo.userns_fd);
	if (send_msg(sock, MSG_CONSOLE, 0, NULL, master) < 0 ||
	    (notify >= 0 && send_msg(sock, MSG_NOTIFY, 0, NULL, notify) < 0))
		_exit(1);
	close(master);
	if (notify >= 0)
		close(notify);
	if (mnt_pivot() < 0)
		child_fail(sock);
	if (c->userns) {
		if (setns(pidfd, CLONE_NEWUSER) < 0) {
			cerr(EX_ENVCREATE, errno, "join the container's user namespace");
			child_fail(sock);
		}
		if (unshare(CLONE_NEWNS) < 0) {
			cerr(EX_CANTMOUNT, errno, "copy the container's mount namespace");
			child_fail(sock);
		}
	}
	/* in the namespace init gets: not locked there, so set can remove them live */
	if (bmnt_attach_all(c, binds) < 0)
		child_fail(sock);
	/* our /proc is the container's now, and we are in its pid namespace */
	int fds[2] = {open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC),
		      open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)};
	if (fds[0] < 0 || fds[1] < 0) {
		cerr(EX_CANTMOUNT, errno, "open the container's mount namespace");
		child_fail(sock);
	}
	if (send_msgv(sock, MSG_MOUNTS, 0, NULL, fds, 2) < 0)
		_exit(1);
	_exit(0);
}

/* Move fd a to 3 and b to 4 (whatever their numbers), close everything else from 5 on. */
static int keep_two_fds(int *a, int *b)
{
	int ha = fcntl(*a, F_DUPFD_CLOEXEC, 10), hb = fcntl(*b, F_DUPFD_CLOEXEC, 10);
	if (ha < 0 || hb < 0 || dup3(ha, 3, O_CLOEXEC) < 0 || dup3(hb, 4, O_CLOEXEC) < 0)
		return -errno;
	syscall(SYS_close_range, 5, ~0U, 0);
	*a = 3;
	*b = 4;
	return 0;
}

static __attribute__((noreturn)) void helper_main(const struct spawn_req *rq, int pidfd, int sock, pid_t init)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* nothing of ours may be reached from inside: not our memory, not the monitor's fds */
	prctl(PR_SET_DUMPABLE, 0);
	log_set_file(NULL); /* never write a log file inside the guest's tree */
	if (keep_two_fds(&pidfd, &sock) < 0)
		_exit(1);
	if (setns(pidfd, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP) < 0) {
		cerr(EX_ENVCREATE, errno, "join the container's namespaces");
		child_fail(sock);
	}
	pid_t b = fork();
	if (b < 0) {
		cerr(EX_ENVCREATE, errno, "fork in the container's pid namespace");
		child_fail(sock);
	}
	if (b == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		builder_main(rq, pidfd, sock, init);
	}
	close(sock);
	int st;
	while (waitpid(b, &st, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Build the container's mounts for init (pidfd): the console master, the notify socket (or -1),
 * and the mount namespace and root descriptors for init. *helper is the helper's pid, for the
 * caller to reap (it may still be exiting: its teardown need not delay init). */
static int build_mounts(const struct spawn_req *rq, pid_t init, int pidfd, int *master, int *notify,
			int ns[MSG_MAXFDS], pid_t *helper)
{
	int hv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hv) < 0)
		return cerr(EX_SYSTEM, errno, "socketpair");
	pid_t h = fork();
	if (h < 0) {
		close(hv[0]);
		close(hv[1]);
		return cerr(EX_SYSTEM, errno, "fork the mount helper");
	}
	if (h == 0) {
		close(hv[0]);
		helper_main(rq, pidfd, hv[1], init);
	}
	close(hv[1]);
	int r = 0;
	for (;;) {
		struct sync_msg m;
		int fds[MSG_MAXFDS];
		int k = recv_msgv(hv[0], &m, fds);
		if (k <= 0) {
			if (ns[0] < 0)
				r = cerr(EX_CANTMOUNT, k < 0 ? k : 0, "the container's mount helper died");
			break;
		}
		if (m.type == MSG_CONSOLE && fds[0] >= 0 && *master < 0) {
			*master = fds[0];
		} else if (m.type == MSG_NOTIFY && fds[0] >= 0 && *notify < 0) {
			*notify = fds[0];
		} else if (m.type == MSG_MOUNTS && fds[0] >= 0 && fds[1] >= 0 && ns[0] < 0) {
			ns[0] = fds[0];
			ns[1] = fds[1];
			break; /* the last message */
		} else {
			for (int i = 0; i < MSG_MAXFDS; i++)
				if (fds[i] >= 0)
					close(fds[i]);
			if (m.type == MSG_ERROR) {
				r = cerr(m.code ? m.code : EX_CANTMOUNT, 0, "%s", m.text);
				break;
			}
		}
	}
	close(hv[0]);
	if (r < 0)
		kill(h, SIGKILL);
	*helper = h;
	return r;
}

static void reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = -1;
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
	int r = guest_replace_file(rootfd, "etc/machine-id", id, k, mode & 07777, owner, owner);
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
	if (rq->nlisten > SPAWN_MAX_LISTEN)
		return cerr(EX_ENVCREATE, E2BIG, "more than %d sockets for the container's init", SPAWN_MAX_LISTEN);
	/* the filter is built here, before the clone: init only loads it */
	struct sec_prog filter;
	phase_mark("spawn.begin");
	int r = sec_build(c, &filter);
	if (r < 0)
		return r;
	phase_mark("spawn.seccomp");
	if (filter.missing)
		log_warn("cellctl was built without libseccomp: container %u starts without a syscall filter", c->ctid);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		sec_prog_free(&filter);
		return cerr(EX_SYSTEM, errno, "socketpair");
	}
	int leaf = rq->migrate ? -1 : cg_leaf_fd(rq->cg);
	/* init moves itself into the v1 hierarchies (a reboot's init: the monitor moves it, below) */
	int tasks[CG_MAX_HIER];
	bool self_v1 = !rq->migrate && cg_leaf_tasks_open(rq->cg, tasks) == 0;
	if (!self_v1) {
		cerr_clear();
		for (unsigned i = 0; i < CG_MAX_HIER; i++)
			tasks[i] = -1;
	}
	/* no CLONE_NEWNS: the mount namespace comes from the mount helper (see build_mounts) */
	uint64_t flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_PIDFD;
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
	bool into_cgroup = pid > 0 && (ca.flags & CLONE_INTO_CGROUP);
	if (pid != 0)
		cg_fds_close(tasks);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		sec_prog_free(&filter);
		if (e == EPERM && c->userns)
			return userns_refused();
		if ((e == ENOENT || e == ENODEV) && leaf >= 0 && cg_lost(rq->cg))
			/* the leaf's cgroup went after we opened it: another installation's start of
			 * the same CTID took the still empty cgroup for one left behind */
			return cerr(EX_CGFOREIGN, e, "clone the container's init into its cgroup: the cgroup was removed "
						     "meanwhile (another installation's start of the same CTID?)");
		return cerr(EX_ENVCREATE, e, "clone the container's init");
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(rq, &filter, sv[1], tasks);
	}
	phase_mark("spawn.clone");
	close(sv[1]);
	sec_prog_free(&filter);
	int sock = sv[0], master = -1, notify = -1, ns[MSG_MAXFDS] = {-1, -1}, listener = -1;
	pid_t helper = -1;
	if (c->userns) {
		if ((r = write_idmap(pid, "uid_map", c->uid_base, c->uid_size)) < 0 ||
		    (r = write_idmap(pid, "gid_map", c->uid_base, c->uid_size)) < 0)
			goto fail;
	}
	phase_mark("spawn.idmap");
	r = 0;
	if (!self_v1)
		r = cg_backend(rq->cg->mode)->attach(rq->cg, pid);
	else if (!into_cgroup)
		r = cg_attach_unified(rq->cg, pid); /* CLONE_INTO_CGROUP refused (kernel < 5.7) */
	if (r < 0)
		goto fail;
	phase_mark("spawn.attach");
	/* the guest's files and network, before its init runs (layout overlay: its merged tree
	 * exists only in the mount helper, which writes the files there: overlay_guest_files) */
	if (!ctconf_overlay(c)) {
		_cleanup_close_ int rootfd = open(rq->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		uid_t owner = ctconf_disk_root(c); /* on disk: 0 when the area is mapped */
		if (rootfd < 0) {
			r = cerr(EX_NOPRIVATE, errno, "open private area %s", rq->root);
			goto fail;
		}
		if ((r = gnet_write_files(rootfd, c, owner, owner)) < 0 || (r = guest_machine_id(rootfd, c, owner)) < 0)
			goto fail;
	}
	phase_mark("spawn.files");
	if (c->nnetif && (r = net_setup_container(rq->g, c, pid)) < 0)
		goto fail;
	phase_mark("spawn.net");
	if (c->venet.nips && (r = routed_setup(rq->g, c, pid)) < 0)
		goto fail;
	if ((r = runconf_save(rq->g, c)) < 0) /* what live changes are computed against */
		goto fail;
	phase_mark("spawn.runconf");
	if ((r = send_msg(sock, MSG_GO, 0, NULL, -1)) < 0) {
		cerr(EX_ENVCREATE, r, "start the container's init");
		goto fail;
	}
	for (;;) {
		struct sync_msg m;
		int fds[MSG_MAXFDS];
		r = recv_msgv(sock, &m, fds);
		if (r == 1 && m.type == MSG_LISTENER && listener == -1) {
			listener = fds[0] >= 0 ? fds[0] : m.code > 0 ? -m.code : -1;
			continue;
		}
		for (int i = 0; r == 1 && i < MSG_MAXFDS; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		if (r == 0)
			break; /* EOF: init exec'd, or the child died */
		if (r < 0) {
			cerr(EX_ENVCREATE, r, "read from the container's init");
			goto fail;
		}
		if (m.type == MSG_NSREADY && helper < 0) {
			phase_mark("spawn.nsready");
			if ((r = build_mounts(rq, pid, pidfd, &master, &notify, ns, &helper)) < 0)
				goto fail;
			phase_mark("spawn.mounts");
			/* the mount action scripts: the root is built, init waits for it. Only at the
			 * start (a reboot from inside migrates: no scripts, as none ran at its end) */
			if (!rq->migrate && (r = hooks_run_host(rq->g, c, HOOK_MOUNT, ns[1])) < 0)
				goto fail;
			r = send_msgv(sock, MSG_MOUNTS, 0, NULL, ns, 2);
			close(ns[0]);
			close(ns[1]);
			ns[0] = ns[1] = -1;
			if (r < 0) {
				cerr(EX_ENVCREATE, r, "hand the mounts to the container's init");
				goto fail;
			}
		} else if (m.type == MSG_ERROR) {
			cerr(m.code ? m.code : EX_ENVCREATE, 0, "%s", m.text);
			r = -EIO;
			goto fail;
		} else {
			cerr(EX_ENVCREATE, EPROTO, "unexpected message %d from the container's init", m.type);
			r = -EPROTO;
			goto fail;
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
	if (master < 0) {
		cerr(EX_ENVCREATE, EPROTO, "no console from the container's setup");
		r = -EPROTO;
		goto fail;
	}
	phase_mark("spawn.exec");
	close(sock);
	reap(&helper);
	out->pid = pid;
	out->pidfd = pidfd;
	out->console_master = master;
	out->notify_fd = notify;
	out->sysinfo_fd = listener;
	return 0;
fail:
	close(sock);
	reap(&helper);
	kill(pid, SIGKILL);
	waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){0}, WEXITED);
	close(pidfd);
	if (master >= 0)
		close(master);
	if (notify >= 0)
		close(notify);
	if (listener >= 0)
		close(listener);
	for (int i = 0; i < MSG_MAXFDS; i++)
		if (ns[i] >= 0)
			close(ns[i]);
	return r < 0 ? r : -EIO;
}

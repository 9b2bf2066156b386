/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sockguard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_int.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define MAX_LEVELS 16

static int sys_bpf(int cmd, union bpf_attr *a)
{
	long r = syscall(__NR_bpf, cmd, a, sizeof(*a));
	return r < 0 ? -errno : (int)r;
}

/* "return 0": the connect fails with EPERM */
static int load_deny(enum bpf_attach_type type)
{
	static const char license[] = "GPL";
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	a.expected_attach_type = type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)license;
	memcpy(a.prog_name, "cct_noconnect", sizeof("cct_noconnect"));
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static int attach_deny(int cgfd)
{
	static const enum bpf_attach_type types[] = {BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		int p = load_deny(types[i]);
		if (p < 0)
			return cerr(EX_BADKERNEL, p, "load the connect-refusing cgroup BPF program for passed sockets");
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgfd;
		a.attach_bpf_fd = (uint32_t)p;
		a.attach_type = types[i];
		a.attach_flags = BPF_F_ALLOW_MULTI;
		int r = sys_bpf(BPF_PROG_ATTACH, &a);
		close(p);
		if (r < 0)
			return cerr(EX_BADKERNEL, r, "attach the connect-refusing cgroup BPF program for passed sockets");
	}
	return 0;
}

static void close_all(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* The child: into the guarded cgroup when not cloned there (its own move: "0"), then the
 * sockets, sent one by one. */
static __attribute__((noreturn)) void child(int leaf_procs, const int *fam, unsigned n, int sock)
{
	if (leaf_procs >= 0 && write(leaf_procs, "0", 1) != 1)
		_exit(1);
	for (unsigned i = 0; i < n; i++) {
		int fd = socket(fam[i], SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || fd_send(sock, "s", 1, fd) < 0)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

/* The sockets from a child in the cgroup cgfd: cloned into it (clone), or forked and moved.
 * 0, or -errno with fds all -1. */
static int make_in(int cgfd, bool clone, const int *fam, unsigned n, int *fds)
{
	int procs = clone ? -1 : openat(cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (!clone && procs < 0)
		return -errno;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = -errno;
		if (procs >= 0)
			close(procs);
		return e;
	}
	pid_t pid;
	if (clone) {
		struct clone_args ca = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd};
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	} else {
		pid = fork();
	}
	if (pid == 0) {
		close(sv[0]);
		child(procs, fam, n, sv[1]);
	}
	int r = pid < 0 ? -errno : 0;
	close(sv[1]);
	if (procs >= 0)
		close(procs);
	for (unsigned i = 0; i < n && r == 0; i++) {
		char b;
		if (fd_recv(sv[0], &b, 1, 0, &fds[i]) != 1 || fds[i] < 0)
			r = -EPROTO;
	}
	close(sv[0]);
	int st;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		close_all(fds, n);
	return r;
}

/* Make the missing directories of path below mount (made[] records them, deepest last). */
static int make_levels(const char *mount, const char *path, char made[][512], unsigned *nmade)
{
	char p[512];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + strlen(mount) + 1; *nmade < MAX_LEVELS; s++) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = 0;
		if (mkdir(p, 0755) == 0)
			snprintf(made[(*nmade)++], 512, "%s", p);
		else if (errno != EEXIST)
			return -errno;
		if (!slash)
			return 0;
		*slash = '/';
		s = slash;
	}
	return -ELOOP;
}

int sockguard_sockets(const struct cg_paths *cg, unsigned ctid, const int *fam, unsigned n, int *fds)
{
	for (unsigned i = 0; i < n; i++)
		fds[i] = -1;
	if (!n)
		return 0;
	int r;
	const struct cg_hier *h = NULL;
	for (unsigned i = 0; i < cg->n && !h; i++)
		if (!strcmp(cg->h[i].name, "unified"))
			h = &cg->h[i];
	if (!h)
		return cerr(EX_BADKERNEL, 0,
			    "container %u: a tcp listen socket needs the cgroup2 hierarchy (its connect-refusing "
			    "program: see SOCKET ACTIVATION in cellctl(8))",
			    ctid);
	_cleanup_free_ char *lim = cg_limit_dir(h);
	*strrchr(lim, '/') = 0; /* the [cgroup] parent */
	char made[MAX_LEVELS + 1][512];
	unsigned nmade = 0;
	int cgfd = -1;
	_cleanup_free_ char *leaf = xasprintf("%s/sockguard.%d", lim, (int)getpid());
	if (strlen(leaf) >= sizeof(made[0]) || strncmp(leaf, h->mount, strlen(h->mount)) || strlen(lim) <= strlen(h->mount))
		return cerr(EX_ENVCREATE, ENAMETOOLONG, "the cgroup for passed sockets: %s", leaf);
	if ((r = make_levels(h->mount, lim, made, &nmade)) < 0) {
		r = cerr(EX_ENVCREATE, r, "create the cgroup %s for passed sockets", lim);
		goto out;
	}
	if (rmdir(leaf) < 0 && errno != ENOENT)
		log_debug("stale %s: %m", leaf);
	if (mkdir(leaf, 0700) < 0) {
		r = cerr(EX_ENVCREATE, errno, "create the cgroup %s for passed sockets", leaf);
		goto out;
	}
	snprintf(made[nmade++], 512, "%s", leaf);
	cgfd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		r = cerr(EX_ENVCREATE, errno, "open %s", leaf);
		goto out;
	}
	if ((r = attach_deny(cgfd)) < 0)
		goto out;
	/* cloned straight into it; a kernel that refuses (or kills a child cloned into a cgroup that
	 * saw another count of cgroup.kill writes than ours: 6.14 and some stable ones) gets a fork
	 * that moves itself */
	if (make_in(cgfd, true, fam, n, fds) < 0 && (r = make_in(cgfd, false, fam, n, fds)) < 0)
		r = cerr(EX_ENVCREATE, r, "make the sockets for container %u in %s", ctid, leaf);
out:
	if (cgfd >= 0)
		close(cgfd);
	/* the leaf goes (its sockets keep it and its programs), and any level made for it */
	while (nmade > 0)
		if (rmdir(made[--nmade]) < 0 && errno != ENOTEMPTY && errno != EBUSY)
			log_debug("rmdir %s: %m", made[nmade]);
	if (r < 0)
		close_all(fds, n);
	return r;
}

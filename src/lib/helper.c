/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

/* In the child: the report pipe at HELPER_REPORT_FD, pass_fd at HELPER_PASS_FD, then exec (or the
 * fallback). Never returns. */
static void __attribute__((noreturn)) helper_child(const struct helper_req *rq, int rep)
{
	/* everything handed on goes out of the way of the fixed fds first (pipe2 or the caller may
	 * have given us any of them), then to its place */
	unsigned nk = rq->nkeep < HELPER_MAX_KEEP ? rq->nkeep : HELPER_MAX_KEEP;
	int base = HELPER_ORIGIN_FD + 1 + (int)nk; /* above the origin and the kept ones */
	int pass = rq->pass_fd, origin = rq->into_cgroup ? rq->origin_fd : -1;
	int into = rq->into_cgroup && rq->detach ? rq->cgroup_fd : -1, high[HELPER_MAX_KEEP];
	int *mv[] = {&rep, &pass, &origin, &into};
	for (size_t i = 0; i < sizeof(mv) / sizeof(mv[0]); i++)
		if (*mv[i] >= 0 && *mv[i] < base && (*mv[i] = fcntl(*mv[i], F_DUPFD_CLOEXEC, base)) < 0)
			_exit(127);
	for (unsigned i = 0; i < nk; i++)
		if ((high[i] = fcntl(rq->keep_fds[i], F_DUPFD_CLOEXEC, base)) < 0)
			_exit(127);
	if (pass >= 0 ? dup2(pass, HELPER_PASS_FD) < 0 : close(HELPER_PASS_FD) < 0 && errno != EBADF)
		_exit(127);
	/* the origin at HELPER_ORIGIN_FD, or the kept ones from HELPER_PASS_FD + 1 (never both) */
	if (origin >= 0 ? dup2(origin, HELPER_ORIGIN_FD) < 0 : !nk && close(HELPER_ORIGIN_FD) < 0 && errno != EBADF)
		_exit(127);
	for (unsigned i = 0; i < nk; i++) /* dup2: without close-on-exec */
		if (dup2(high[i], HELPER_PASS_FD + 1 + (int)i) < 0)
			_exit(127);
	if (rq->detach) {
		setsid();
		pid_t mp = -1;
		if (into >= 0) {
			struct clone_args ca = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)into};
			mp = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		}
		if (mp < 0)
			mp = fork();
		if (mp != 0)
			_exit(mp < 0 ? 1 : 0);
		if (into >= 0)
			close(into);
	}
	if (rq->die_with_us) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	if (rq->path && dup2(rep, HELPER_REPORT_FD) == HELPER_REPORT_FD) {
		execv(rq->path, rq->argv);
		log_debug("exec %s: %m", rq->path);
		close(HELPER_REPORT_FD);
	}
	if (rq->fallback)
		rq->fallback(rq->arg, rep);
	_exit(127);
}

int helper_spawn(const struct helper_req *rq, int *status)
{
	if (rq->into_cgroup && rq->nkeep) /* both want HELPER_ORIGIN_FD */
		return cerr(EX_SYSTEM, EINVAL, "a helper forked into a cgroup cannot be handed kept descriptors");
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cerr(EX_SYSTEM, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return cerr(EX_SYSTEM, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		helper_child(rq, p[1]);
	}
	close(p[1]);
	int st = 0;
	for (;;) {
		if (waitpid(pid, &st, 0) == pid)
			break;
		if (errno != EINTR)
			break;
		if (rq->cancel && *rq->cancel)
			kill(pid, SIGKILL);
	}
	int r = cerr_report_read(p[0]);
	close(p[0]);
	if (status)
		*status = st;
	return r;
}

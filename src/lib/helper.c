/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

/* In the child: the report pipe at HELPER_REPORT_FD, pass_fd at HELPER_PASS_FD, then exec (or the
 * fallback). Never returns. */
static void __attribute__((noreturn)) helper_child(const struct helper_req *rq, int rep)
{
	/* out of the way of the fixed fds first (pipe2 may have given us 3 or 4), and of the kept ones */
	unsigned nk = rq->nkeep < HELPER_MAX_KEEP ? rq->nkeep : HELPER_MAX_KEEP;
	int base = HELPER_PASS_FD + 1 + (int)nk, high[HELPER_MAX_KEEP];
	if (rep < base) {
		int k = fcntl(rep, F_DUPFD_CLOEXEC, base);
		if (k < 0)
			_exit(127);
		rep = k;
	}
	for (unsigned i = 0; i < nk; i++)
		if ((high[i] = fcntl(rq->keep_fds[i], F_DUPFD_CLOEXEC, base)) < 0)
			_exit(127);
	if (rq->pass_fd >= 0 && rq->pass_fd != HELPER_PASS_FD && dup2(rq->pass_fd, HELPER_PASS_FD) < 0)
		_exit(127);
	for (unsigned i = 0; i < nk; i++) /* dup2: without close-on-exec */
		if (dup2(high[i], HELPER_PASS_FD + 1 + (int)i) < 0)
			_exit(127);
	if (rq->pass_fd == HELPER_PASS_FD)
		fcntl(HELPER_PASS_FD, F_SETFD, 0);
	if (rq->pass_fd < 0)
		close(HELPER_PASS_FD);
	if (rq->detach) {
		setsid();
		pid_t mp = fork();
		if (mp != 0)
			_exit(mp < 0 ? 1 : 0);
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

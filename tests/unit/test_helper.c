/* SPDX-License-Identifier: GPL-2.0-or-later */
/* helper_spawn: the report pipe at fd 3 whatever fds pipe2 hands out, an fd passed at fd 4, the
 * helper's report or its absence, the in-process fallback, detached helpers. /bin/sh plays the
 * helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "helper.h"
#include "util.h"

static int sh(const char *script, int pass_fd, bool detach, int *status)
{
	char *argv[] = {UNCONST("sh"), UNCONST("-c"), UNCONST(script), NULL};
	struct helper_req rq = {.path = "/bin/sh", .argv = argv, .pass_fd = pass_fd, .detach = detach};
	cerr_clear();
	return helper_spawn(&rq, status);
}

static void report_ok_and_error(void **s)
{
	(void)s;
	int st = -1;
	assert_int_equal(sh("printf '0 ok' >&3", -1, false, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	int r = sh("printf '47 no init in the template' >&3; exit 1", -1, false, &st);
	assert_true(r < 0);
	assert_int_equal(cerr_exit(), 47);
	assert_string_equal(cerr_msg(), "no init in the template");
	assert_int_equal(WEXITSTATUS(st), 1);
}

static void no_report(void **s)
{
	(void)s;
	int st = -1;
	assert_int_equal(sh("exit 3", -1, false, &st), -ENODATA);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	assert_int_equal(sh("kill -9 $$", -1, false, &st), -ENODATA);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == 9);
}

static void passed_fd(void **s)
{
	(void)s;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sh("printf passed >&4; printf '0 ok' >&3", p[1], false, NULL), 0);
	close(p[1]);
	char buf[16] = "";
	assert_int_equal(read(p[0], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "passed", 6);
	close(p[0]);
	/* without one, fd 4 is closed in the helper */
	int keep = dup2(0, 4);
	assert_int_equal(keep, 4);
	assert_int_equal(sh("if (: >&4) 2>/dev/null; then exit 1; fi; printf '0 ok' >&3", -1, false, NULL), 0);
	close(4);
}

/* fds 3 and 4 free: pipe2 hands them out, so the report pipe and the passed fd collide with the
 * fixed fds */
static void fixed_fd_collisions(void **s)
{
	(void)s;
	int save3 = fcntl(3, F_DUPFD_CLOEXEC, 20), save4 = fcntl(4, F_DUPFD_CLOEXEC, 20);
	close(3);
	close(4);
	assert_int_equal(sh("printf '0 ok' >&3", -1, false, NULL), 0);
	int p[2];
	assert_int_equal(pipe(p), 0); /* 3 and 4 */
	assert_int_equal(p[0], 3);
	assert_int_equal(p[1], 4);
	/* the passed fd is 4 already; the report pipe gets the next free ones */
	assert_int_equal(sh("printf x >&4; printf '0 ok' >&3", 4, false, NULL), 0);
	char c = 0;
	assert_int_equal(read(3, &c, 1), 1);
	assert_int_equal(c, 'x');
	/* the passed fd is 3, where the report pipe goes */
	int rd = dup(3);
	assert_int_equal(dup2(4, 3), 3);
	close(4);
	assert_int_equal(sh("printf y >&4; printf '0 ok' >&3", 3, false, NULL), 0);
	close(3);
	assert_int_equal(read(rd, &c, 1), 1);
	assert_int_equal(c, 'y');
	close(rd);
	if (save3 >= 0)
		dup2(save3, 3), close(save3);
	if (save4 >= 0)
		dup2(save4, 4), close(save4);
}

static void detached(void **s)
{
	(void)s;
	int p[2];
	assert_int_equal(pipe(p), 0);
	/* the report comes after our child has exited: from the grandchild, in a session of its own */
	int st = -1;
	assert_int_equal(sh("sleep 0.1; ps -o sid= -p $$ >&4 2>/dev/null || echo 0 >&4; printf '0 ok' >&3", p[1], true, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[1]);
	char buf[32] = "";
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	long sid = atol(buf);
	assert_true(sid == 0 || sid != (long)getsid(0));
}

static void fallback(void *arg, int report_fd)
{
	*(int *)arg += 1; /* in the child: invisible to the parent */
	cerr(44, 0, "fallback ran with report fd %s", report_fd > HELPER_PASS_FD ? "above 4" : "too low");
	cerr_report_write(report_fd, -1);
	_exit(0);
}

static void fallback_runs(void **s)
{
	(void)s;
	int n = 0;
	char *argv[] = {UNCONST("none"), NULL};
	struct helper_req rq = {.argv = argv, .pass_fd = -1, .fallback = fallback, .arg = &n};
	cerr_clear();
	assert_true(helper_spawn(&rq, NULL) < 0);
	assert_int_equal(cerr_exit(), 44);
	assert_string_equal(cerr_msg(), "fallback ran with report fd above 4");
	/* a binary that cannot be executed: the fallback as well */
	rq.path = "/nonexistent/cellctl-helper";
	cerr_clear();
	assert_true(helper_spawn(&rq, NULL) < 0);
	assert_int_equal(cerr_exit(), 44);
	/* no fallback: the child exits with 127, no report */
	rq.fallback = NULL;
	int st = 0;
	assert_int_equal(helper_spawn(&rq, &st), -ENODATA);
	assert_int_equal(WEXITSTATUS(st), 127);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report_ok_and_error), cmocka_unit_test(no_report), cmocka_unit_test(passed_fd),
		cmocka_unit_test(fixed_fd_collisions), cmocka_unit_test(detached),  cmocka_unit_test(fallback_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

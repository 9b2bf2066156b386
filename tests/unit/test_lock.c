/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lock-file contents and the lock itself in a temp run_dir (flock needs no root). The run state
 * and capability tests that were here are in test_state.c and test_caps.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fixtures.h"
#include "lock.h"
#include "util.h"

static void lock_contents(void **s)
{
	(void)s;
	char buf[64], op[32];
	pid_t pid;
	assert_int_equal(lock_format(1234, "start", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "1234\nstart\n");
	assert_int_equal(lock_parse(buf, &pid, op, sizeof(op)), 0);
	assert_int_equal(pid, 1234);
	assert_string_equal(op, "start");
	assert_int_equal(lock_parse("", &pid, op, sizeof(op)), -EINVAL);
	assert_int_equal(lock_parse("abc\nstart\n", &pid, op, sizeof(op)), -EINVAL);
	assert_int_equal(lock_parse("-4\nstart\n", &pid, op, sizeof(op)), -EINVAL);
	assert_int_equal(lock_parse("12\n\n", &pid, op, sizeof(op)), -EINVAL);
	assert_int_equal(lock_format(1, "a-very-long-operation-name", buf, 8), -ENOSPC);
}

static void lock_taken_and_stale(void **s)
{
	(void)s;
	char tmpl[64];
	fx_tmpdir(tmpl, sizeof(tmpl), "lock");
	struct gconf g = {0};
	g.run_dir = tmpl;
	struct ct_lock a = CT_LOCK_INIT, b = CT_LOCK_INIT;
	assert_int_equal(ct_lock_take(&g, 101, "start", &a), 0);
	/* the file names us */
	char *path = xasprintf("%s/lock/101.lck", tmpl), *text = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, path, &text, NULL), 0);
	char want[64];
	snprintf(want, sizeof(want), "%d\nstart\n", (int)getpid());
	assert_string_equal(text, want);
	free(text);
	/* a second taker (another open file description, as another process has) is refused */
	pid_t pid = fork();
	if (pid == 0) {
		cerr_clear();
		int r = ct_lock_take(&g, 101, "stop", &b);
		_exit(r == -EINVAL && cerr_exit() == EX_LOCKED && strstr(cerr_msg(), "(start)") != NULL ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ct_lock_release(&a);
	assert_int_equal(access(path, F_OK), -1); /* released locks leave no file */
	/* a stale file (nobody holds the flock) is taken over */
	assert_int_equal(write_file_atomic(path, "99999\nstart\n", 12, 0600), 0);
	assert_int_equal(ct_lock_take(&g, 101, "destroy", &b), 0);
	ct_lock_release(&b);
	free(path);
	rm_rf(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lock_contents),
		cmocka_unit_test(lock_taken_and_stale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

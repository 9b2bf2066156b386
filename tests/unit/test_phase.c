/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The phase timer: its line, off without CELLCTL_TIMING, and never a write into a file that got
 * the timing file's descriptor number after the process closed its fds (exec, the mount helper). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "phase.h"

static void format(void **s)
{
	(void)s;
	char buf[64];
	assert_int_equal(phase_format(buf, sizeof(buf), 12345678ULL, 42, "start.lock"), 23);
	assert_string_equal(buf, "12345678 42 start.lock\n");
	assert_int_equal(phase_format(buf, 8, 12345678ULL, 42, "start.lock"), -1); /* too long: nothing */
}

static off_t size_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* each case in a child: the timer's state is per process */
static int run_child(void (*fn)(const char *, const char *), const char *a, const char *b)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn(a, b);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void child_off(const char *file, const char *unused)
{
	(void)unused;
	unsetenv("CELLCTL_TIMING");
	phase_mark("a");
	(void)file;
}

static void child_marks(const char *file, const char *unused)
{
	(void)unused;
	setenv("CELLCTL_TIMING", file, 1);
	phase_mark("one");
	phase_mark("two");
}

/* a mark, then every fd from 3 closed and another file opened (it gets the timing fd's number), a
 * mark; with reopen, phase_reopen and a third mark: the marks go to the timing file again, never
 * to the other one */
static void lose_fd(const char *file, const char *other, bool reopen)
{
	setenv("CELLCTL_TIMING", file, 1);
	phase_mark("before");
	for (int fd = 3; fd < 64; fd++)
		close(fd);
	int o = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (o < 0)
		_exit(3);
	phase_mark("lost");
	if (reopen) {
		phase_reopen();
		phase_mark("again");
	}
	close(o);
}

static void child_reuse(const char *file, const char *other) { lose_fd(file, other, false); }

static void child_reopen(const char *file, const char *other) { lose_fd(file, other, true); }

static int count_lines(const char *p)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	int n = 0, ch;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void marks(void **s)
{
	(void)s;
	char dir[] = "/tmp/test_phase.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char file[128], other[128];
	snprintf(file, sizeof(file), "%s/t", dir);
	snprintf(other, sizeof(other), "%s/o", dir);

	assert_int_equal(run_child(child_off, file, NULL), 0);
	assert_int_equal(size_of(file), -1); /* off: no file */

	assert_int_equal(run_child(child_marks, file, NULL), 0);
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	char line[128];
	unsigned long long t1, t2;
	int p1, p2;
	char n1[32], n2[32];
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(sscanf(line, "%llu %d %31s", &t1, &p1, n1), 3);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(sscanf(line, "%llu %d %31s", &t2, &p2, n2), 3);
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(n1, "one");
	assert_string_equal(n2, "two");
	assert_int_equal(p1, p2);
	assert_true(t2 >= t1);

	unlink(file);
	assert_int_equal(run_child(child_reuse, file, other), 0);
	assert_int_equal(size_of(other), 0); /* nothing written into the file that took the number */
	assert_int_equal(count_lines(file), 1); /* "before" only */
	unlink(file);
	unlink(other);

	assert_int_equal(run_child(child_reopen, file, other), 0);
	assert_int_equal(size_of(other), 0);
	assert_int_equal(count_lines(file), 2); /* "before" and "again" */
	unlink(file);
	unlink(other);

	/* a relative path is refused: the timer stays off */
	assert_int_equal(run_child(child_marks, "relative-file", NULL), 0);
	assert_int_equal(size_of("relative-file"), -1);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest t[] = {cmocka_unit_test(format), cmocka_unit_test(marks)};
	return cmocka_run_group_tests(t, NULL, NULL);
}

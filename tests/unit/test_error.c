/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.c: the first error wins, cerr_wrap adds context on the way out, and a saved error state
 * comes back after an expected (ignored) failure. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "error.h"

static void test_first_wins(void **state)
{
	(void)state;
	cerr_clear();
	assert_null(cerr_msg());
	assert_int_equal(cerr_exit(), EX_SYSTEM);
	assert_int_equal(cerr(EX_NOCONF, 0, "first"), -EINVAL);
	assert_int_equal(cerr(EX_BADVALUE, ENOENT, "second"), -ENOENT);
	assert_string_equal(cerr_msg(), "first");
	assert_int_equal(cerr_exit(), EX_NOCONF);
	cerr_replace(EX_BADVALUE, ENOENT, "third");
	assert_string_equal(cerr_msg(), "third: No such file or directory");
	cerr_clear();
}

static void test_wrap(void **state)
{
	(void)state;
	cerr_clear();
	int r = cerr(EX_RESOURCE, EACCES, "write memory.max");
	assert_int_equal(cerr_wrap(r, 0, "while applying limits of CT %u", 101u), -EACCES);
	assert_string_equal(cerr_msg(), "while applying limits of CT 101: write memory.max: Permission denied");
	assert_int_equal(cerr_exit(), EX_RESOURCE);
	/* an outer layer wraps again and changes the exit code */
	assert_int_equal(cerr_wrap(r, EX_ENVCREATE, "start"), -EACCES);
	assert_string_equal(cerr_msg(), "start: while applying limits of CT 101: write memory.max: Permission denied");
	assert_int_equal(cerr_exit(), EX_ENVCREATE);
	/* nothing recorded: the errno becomes the message */
	cerr_clear();
	assert_int_equal(cerr_wrap(-ENOENT, 0, "open %s", "x"), -ENOENT);
	assert_string_equal(cerr_msg(), "open x: No such file or directory");
	assert_int_equal(cerr_exit(), EX_SYSTEM);
	cerr_clear();
	assert_int_equal(cerr_wrap(0, EX_BADVALUE, "ctx"), -EINVAL);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	/* a long message is cut, never overrun */
	cerr_clear();
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	cerr(EX_FAIL, 0, "%s", big);
	cerr_wrap(-EIO, 0, "%s", big);
	assert_int_equal(strlen(cerr_msg()), 1023);
	cerr_clear();
}

static void test_save_restore(void **state)
{
	(void)state;
	struct cerr_saved s;
	/* nothing recorded before: an ignored failure leaves nothing behind */
	cerr_clear();
	cerr_save(&s);
	cerr(EX_NOCONF, 0, "neighbour config broken");
	cerr_restore(&s);
	assert_null(cerr_msg());
	assert_int_equal(cerr(EX_BADVALUE, 0, "the real error"), -EINVAL);
	assert_string_equal(cerr_msg(), "the real error");
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	/* an error recorded before survives (cerr_clear would have lost it), and the attempt's own
	 * error is the one shown meanwhile */
	cerr_save(&s);
	assert_null(cerr_msg());
	cerr(EX_NOTRUNNING, 0, "expected");
	assert_string_equal(cerr_msg(), "expected");
	cerr_restore(&s);
	assert_string_equal(cerr_msg(), "the real error");
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	cerr_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_wins),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_save_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

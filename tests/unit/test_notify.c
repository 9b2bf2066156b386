/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The readiness parser (sd_notify messages from the guest's init): READY=1, STATUS=, garbage and
 * hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

static struct notify_msg parse(const char *text)
{
	struct notify_msg m;
	memset(&m, 0x55, sizeof(m)); /* the parser fills all of it */
	notify_parse(text, strlen(text), &m);
	return m;
}

static void ready(void **s)
{
	(void)s;
	assert_true(parse("READY=1").ready);
	assert_true(parse("READY=1\n").ready);
	assert_true(parse("STATUS=up\nREADY=1\n").ready);
	assert_true(parse("\n\nREADY=1\n\n").ready);
	assert_true(parse("X_FOO=1\nREADY=1\nMAINPID=7").ready);
	struct notify_msg m = parse("READY=1");
	assert_false(m.have_status);
	assert_string_equal(m.status, "");
}

static void not_ready(void **s)
{
	(void)s;
	static const char *no[] = {"", "\n", "READY=0", "READY=10", "READY=", "READY", " READY=1", "READY=1 ",
				   "ready=1", "READY=1\r", "XREADY=1", "STATUS=READY=1", "RELOADING=1\nSTOPPING=1"};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct notify_msg m = parse(no[i]);
		if (m.ready)
			fail_msg("'%s' read as READY=1", no[i]);
	}
}

static void status(void **s)
{
	(void)s;
	struct notify_msg m = parse("STATUS=Starting services...\n");
	assert_true(m.have_status);
	assert_false(m.ready);
	assert_string_equal(m.status, "Starting services...");
	m = parse("STATUS=first\nSTATUS=second\nREADY=1");
	assert_true(m.ready);
	assert_string_equal(m.status, "second"); /* the last one counts */
	m = parse("STATUS=");
	assert_true(m.have_status);
	assert_string_equal(m.status, "");
	m = parse("STATUS=a=b=c");
	assert_string_equal(m.status, "a=b=c");
}

static void garbage(void **s)
{
	(void)s;
	struct notify_msg m = parse("\x01\x02\xff\xfe garbage without an equals sign\n===\n=\n\x7f");
	assert_false(m.ready);
	assert_false(m.have_status);
	/* the text ends at a NUL byte: what follows is not read */
	const char withnul[] = "STATUS=a\0READY=1\n";
	notify_parse(withnul, sizeof(withnul) - 1, &m);
	assert_false(m.ready);
	assert_string_equal(m.status, "a");
	const char before[] = "READY=1\n\0STATUS=x";
	notify_parse(before, sizeof(before) - 1, &m);
	assert_true(m.ready);
	assert_false(m.have_status);
	/* only n bytes are read: no NUL needed */
	char raw[7];
	memcpy(raw, "READY=1", 7);
	notify_parse(raw, sizeof(raw), &m);
	assert_true(m.ready);
	notify_parse(raw, 6, &m); /* "READY=" */
	assert_false(m.ready);
	notify_parse(raw, 0, &m);
	assert_false(m.ready);
}

static void hostile_long(void **s)
{
	(void)s;
	/* a status far longer than the field: cut, NUL-terminated, nothing overwritten */
	size_t n = 100000;
	char *buf = malloc(n + 32);
	assert_non_null(buf);
	memcpy(buf, "STATUS=", 7);
	memset(buf + 7, 'A', n - 7);
	memcpy(buf + n, "\nREADY=1\n", 10);
	struct notify_msg m;
	notify_parse(buf, n + 9, &m);
	assert_true(m.ready);
	assert_true(m.have_status);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX - 1);
	assert_int_equal(m.status[0], 'A');
	/* exactly the field's size, and one less */
	memset(buf + 7, 'B', NOTIFY_STATUS_MAX);
	notify_parse(buf, 7 + NOTIFY_STATUS_MAX, &m);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX - 1);
	notify_parse(buf, 7 + NOTIFY_STATUS_MAX - 1, &m);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX - 1);
	notify_parse(buf, 7 + NOTIFY_STATUS_MAX - 2, &m);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX - 2);
	/* a long line of newlines and a READY=1 buried after a huge junk line */
	memset(buf, '\n', n);
	memcpy(buf + n - 7, "READY=1", 7);
	notify_parse(buf, n, &m);
	assert_true(m.ready);
	memset(buf, 'x', n);
	memcpy(buf + n - 8, "\nREADY=1", 8);
	notify_parse(buf, n, &m);
	assert_true(m.ready);
	/* a READY=1 glued to a long line is not one */
	memcpy(buf + n - 8, "xREADY=1", 8);
	notify_parse(buf, n, &m);
	assert_false(m.ready);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ready),   cmocka_unit_test(not_ready),	   cmocka_unit_test(status),
		cmocka_unit_test(garbage), cmocka_unit_test(hostile_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

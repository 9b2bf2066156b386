/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mounts.c's pure part: overlayfs's lowerdir value of a stack of template trees (the order, the
 * escaping of ':', ',' and '\\', the depth limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mounts.h"
#include "util.h"

static void test_lowerdir(void **state)
{
	(void)state;
	const char *one[] = {"lower"};
	_cleanup_free_ char *a = mnt_lowerdir(one, 1);
	assert_string_equal(a, "lower");
	const char *three[] = {"lower", "lower.1", "lower.2"};
	_cleanup_free_ char *b = mnt_lowerdir(three, 3);
	assert_string_equal(b, "lower:lower.1:lower.2"); /* the top first */
	const char *odd[] = {"a:b", "c,d", "e\\f"};
	_cleanup_free_ char *c = mnt_lowerdir(odd, 3);
	assert_string_equal(c, "a\\:b:c\\,d:e\\\\f");
	const char *empty[] = {"lower", ""};
	assert_null(mnt_lowerdir(empty, 2));
	assert_null(mnt_lowerdir(one, 0));
	const char *many[MNT_LOWERS_MAX + 1];
	for (unsigned i = 0; i <= MNT_LOWERS_MAX; i++)
		many[i] = "l";
	_cleanup_free_ char *d = mnt_lowerdir(many, MNT_LOWERS_MAX);
	assert_non_null(d);
	assert_null(mnt_lowerdir(many, MNT_LOWERS_MAX + 1)); /* the depth limit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lowerdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

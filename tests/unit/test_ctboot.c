/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctboot's pure part: the boot and shutdown order, the groups, the shutdown record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctboot.h"

static struct boot_item plan[] = {
	{201, 0, 0, 10},  {202, 10, 5, 10}, {203, 10, 0, 10}, {204, 5, 0, 10},
	{205, 10, 0, 10}, {206, 0, 0, 10},  {207, 5, 2, 10},
};
#define N (sizeof(plan) / sizeof(plan[0]))

static void test_boot_order(void **state)
{
	(void)state;
	struct boot_item v[N];
	memcpy(v, plan, sizeof(v));
	boot_sort(v, N, false);
	/* higher bootorder first; within a group no delay before a delay, then by CTID */
	unsigned want[] = {203, 205, 202, 204, 207, 201, 206};
	for (size_t i = 0; i < N; i++)
		assert_int_equal(v[i].ctid, want[i]);
	/* groups: [0,3) order 10, [3,5) order 5, [5,7) order 0 */
	assert_int_equal(boot_group_end(v, N, 0), 3);
	assert_int_equal(boot_group_end(v, N, 3), 5);
	assert_int_equal(boot_group_end(v, N, 5), 7);
	assert_int_equal(boot_group_end(v, N, 6), 7);
}

static void test_shutdown_order(void **state)
{
	(void)state;
	struct boot_item v[N];
	memcpy(v, plan, sizeof(v));
	boot_sort(v, N, true);
	unsigned want[] = {206, 201, 207, 204, 202, 205, 203}; /* the boot order reversed */
	for (size_t i = 0; i < N; i++)
		assert_int_equal(v[i].ctid, want[i]);
	assert_int_equal(boot_group_end(v, N, 0), 2);
	assert_int_equal(boot_group_end(v, N, 2), 4);
	assert_int_equal(boot_group_end(v, N, 4), 7);
}

static void test_one_and_none(void **state)
{
	(void)state;
	struct boot_item v[1] = {{301, 7, 0, 1}};
	boot_sort(v, 1, false);
	boot_sort(NULL, 0, true);
	assert_int_equal(boot_group_end(v, 1, 0), 1);
}

static void test_record_parse(void **state)
{
	(void)state;
	unsigned *ids;
	size_t n;
	boot_record_parse("# header\n305\n  301 \n\nbad\n99\n305\n4000000000\n302", &ids, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 301);
	assert_int_equal(ids[1], 302);
	assert_int_equal(ids[2], 305);
	free(ids);
	boot_record_parse(NULL, &ids, &n);
	assert_int_equal(n, 0);
	free(ids);
	boot_record_parse("", &ids, &n);
	assert_int_equal(n, 0);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_order),
		cmocka_unit_test(test_shutdown_order),
		cmocka_unit_test(test_one_and_none),
		cmocka_unit_test(test_record_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

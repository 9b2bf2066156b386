/* SPDX-License-Identifier: GPL-2.0-or-later */
/* idshift: ids mapped between container-relative and shifted layouts, ids outside the ranges left
 * alone, file capabilities (revision 3 rootid moves, revision 2 does not) and ACL ids. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idshift.h"

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_ids(void **state)
{
	(void)state;
	struct idshift m = {0};
	assert_false(idshift_moves(&m));
	assert_int_equal(idshift_id(&m, 5), 5); /* no range: identity */
	/* flatten of a userns container at base 100000, size 65536: the lower's [0,size) moves, the
	 * upper's [base, base+size) stays */
	assert_int_equal(idshift_add(&m, 0, 100000, 65536), 0);
	assert_int_equal(idshift_add(&m, 100000, 100000, 65536), 0);
	assert_true(idshift_moves(&m));
	assert_int_equal(idshift_id(&m, 0), 100000);
	assert_int_equal(idshift_id(&m, 65535), 165535);
	assert_int_equal(idshift_id(&m, 100000), 100000);
	assert_int_equal(idshift_id(&m, 165535), 165535);
	/* outside both: left alone */
	assert_int_equal(idshift_id(&m, 65536), 65536);
	assert_int_equal(idshift_id(&m, 165536), 165536);
	assert_int_equal(idshift_id(&m, UINT32_MAX), UINT32_MAX);
	assert_int_equal(idshift_add(&m, 1, 2, 3), -EINVAL); /* full */

	/* clone: old block to new block, and back */
	struct idshift c = {0};
	assert_int_equal(idshift_add(&c, 100000, 300000, 65536), 0);
	assert_int_equal(idshift_id(&c, 100000 + 33), 300033);
	assert_int_equal(idshift_id(&c, 33), 33);
	assert_int_equal(idshift_id(&c, 300033), 300033); /* the target range is not mapped again */
	struct idshift b = {0};
	assert_int_equal(idshift_add(&b, 300000, 100000, 65536), 0);
	assert_int_equal(idshift_id(&b, idshift_id(&c, 100007)), 100007);

	struct idshift bad = {0};
	assert_int_equal(idshift_add(&bad, 0, 1, 0), -EINVAL);
	assert_int_equal(idshift_add(&bad, UINT32_MAX - 10, 0, 65536), -EINVAL);
	assert_int_equal(idshift_add(&bad, 0, UINT32_MAX - 10, 65536), -EINVAL);
	assert_int_equal(idshift_add(&bad, UINT32_MAX - 65535, 0, 65536), 0); /* up to 2^32 exactly */

	/* a container without a user namespace: the identity range changes nothing */
	struct idshift id = {0};
	assert_int_equal(idshift_add(&id, 0, 0, 65536), 0);
	assert_false(idshift_moves(&id));
}

static void test_fcaps(void **state)
{
	(void)state;
	struct idshift m = {0};
	assert_int_equal(idshift_add(&m, 0, 200000, 65536), 0);
	bool ch;
	/* v3, rootid 0 (container-relative) -> 200000 */
	unsigned char v3[VFS_CAP_SZ3] = {0};
	put32(v3, 0x03000001u);
	put32(v3 + 4, 0x2000); /* cap_net_raw permitted */
	put32(v3 + 20, 0);
	assert_int_equal(idshift_fcaps(&m, v3, sizeof(v3), &ch), 0);
	assert_true(ch);
	assert_int_equal(get32(v3 + 20), 200000);
	assert_int_equal(get32(v3), 0x03000001u);
	assert_int_equal(get32(v3 + 4), 0x2000);
	/* a rootid outside the ranges stays */
	put32(v3 + 20, 70000);
	assert_int_equal(idshift_fcaps(&m, v3, sizeof(v3), &ch), 0);
	assert_false(ch);
	assert_int_equal(get32(v3 + 20), 70000);
	/* v2: unchanged */
	unsigned char v2[VFS_CAP_SZ2] = {0}, v2c[VFS_CAP_SZ2];
	put32(v2, 0x02000001u);
	put32(v2 + 4, 0x2000);
	memcpy(v2c, v2, sizeof(v2));
	assert_int_equal(idshift_fcaps(&m, v2, sizeof(v2), &ch), 0);
	assert_false(ch);
	assert_memory_equal(v2, v2c, sizeof(v2));
	/* v1 (12 bytes): unchanged */
	unsigned char v1[12] = {0};
	put32(v1, 0x01000000u);
	assert_int_equal(idshift_fcaps(&m, v1, sizeof(v1), &ch), 0);
	assert_false(ch);
	/* malformed: v3 of the wrong size, unknown revision, too short */
	assert_int_equal(idshift_fcaps(&m, v3, VFS_CAP_SZ2, &ch), -EINVAL);
	put32(v2, 0x04000000u);
	assert_int_equal(idshift_fcaps(&m, v2, sizeof(v2), &ch), -EINVAL);
	assert_int_equal(idshift_fcaps(&m, v2, 3, &ch), -EINVAL);
}

static void test_acl(void **state)
{
	(void)state;
	struct idshift m = {0};
	assert_int_equal(idshift_add(&m, 100000, 300000, 65536), 0);
	/* version, USER_OBJ, USER 100005, GROUP 100006, MASK, OTHER */
	unsigned char a[4 + 5 * 8] = {0};
	put32(a, 2);
	const unsigned tags[5] = {0x01, 0x02, 0x08, 0x10, 0x20};
	const uint32_t ids[5] = {UINT32_MAX, 100005, 100006, UINT32_MAX, UINT32_MAX};
	for (int i = 0; i < 5; i++) {
		a[4 + 8 * i] = (unsigned char)tags[i];
		a[4 + 8 * i + 2] = 7;
		put32(a + 4 + 8 * i + 4, ids[i]);
	}
	bool ch;
	assert_int_equal(idshift_acl(&m, a, sizeof(a), &ch), 0);
	assert_true(ch);
	assert_int_equal(get32(a + 4 + 8 + 4), 300005);
	assert_int_equal(get32(a + 4 + 16 + 4), 300006);
	assert_int_equal(get32(a + 4 + 4), UINT32_MAX); /* USER_OBJ's undefined id untouched */
	assert_int_equal(idshift_acl(&m, a, sizeof(a) - 1, &ch), -EINVAL);
	put32(a, 1);
	assert_int_equal(idshift_acl(&m, a, sizeof(a), &ch), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_fcaps),
		cmocka_unit_test(test_acl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

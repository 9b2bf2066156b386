/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console ring buffer: it keeps the last SIZE bytes, oldest first, across wrap-around,
 * overflow and writes of exactly the capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringbuf.h"

/* The content, oldest first, NUL-terminated (the pieces joined). */
static const char *content(const struct ringbuf *rb)
{
	static char out[256];
	const char *p1, *p2;
	size_t n1, n2;
	size_t n = ringbuf_peek(rb, &p1, &n1, &p2, &n2);
	assert_int_equal(n, n1 + n2);
	assert_true(n < sizeof(out));
	assert_true(n <= rb->size);
	memcpy(out, p1, n1);
	memcpy(out + n1, p2, n2);
	out[n] = 0;
	return out;
}

static void empty(void **s)
{
	(void)s;
	char st[8];
	struct ringbuf rb;
	ringbuf_init(&rb, st, sizeof(st));
	assert_string_equal(content(&rb), "");
	ringbuf_add(&rb, "", 0);
	assert_string_equal(content(&rb), "");
}

static void below_capacity(void **s)
{
	(void)s;
	char st[8];
	struct ringbuf rb;
	ringbuf_init(&rb, st, sizeof(st));
	ringbuf_add(&rb, "abc", 3);
	assert_string_equal(content(&rb), "abc");
	ringbuf_add(&rb, "de", 2);
	assert_string_equal(content(&rb), "abcde");
}

static void exact_sizes(void **s)
{
	(void)s;
	char st[8];
	struct ringbuf rb;
	/* exactly the capacity in one write, then one byte more */
	ringbuf_init(&rb, st, sizeof(st));
	ringbuf_add(&rb, "01234567", 8);
	assert_string_equal(content(&rb), "01234567");
	ringbuf_add(&rb, "8", 1);
	assert_string_equal(content(&rb), "12345678");
	/* filled up to exactly the capacity in pieces: the position is back at the start */
	ringbuf_init(&rb, st, sizeof(st));
	ringbuf_add(&rb, "0123", 4);
	ringbuf_add(&rb, "4567", 4);
	assert_int_equal(rb.pos, 0);
	assert_string_equal(content(&rb), "01234567");
	/* exactly the capacity again on a full ring: all of it replaced */
	ringbuf_add(&rb, "abcdefgh", 8);
	assert_string_equal(content(&rb), "abcdefgh");
	/* one less than the capacity */
	ringbuf_add(&rb, "ABCDEFG", 7);
	assert_string_equal(content(&rb), "hABCDEFG");
}

static void wrap_around(void **s)
{
	(void)s;
	char st[8];
	struct ringbuf rb;
	ringbuf_init(&rb, st, sizeof(st));
	ringbuf_add(&rb, "012345", 6);
	ringbuf_add(&rb, "abcd", 4); /* 2 at the end, 2 from the start */
	assert_string_equal(content(&rb), "2345abcd");
	const char *p1, *p2;
	size_t n1, n2;
	ringbuf_peek(&rb, &p1, &n1, &p2, &n2);
	assert_int_equal(n1, 6);
	assert_int_equal(n2, 2);
	/* many small writes: always the last 8 bytes */
	char expect[64] = "";
	for (int i = 0; i < 50; i++) {
		char c = (char)('a' + i % 26);
		ringbuf_add(&rb, &c, 1);
		size_t l = strlen(expect);
		expect[l] = c;
		expect[l + 1] = 0;
		const char *want = strlen(expect) > 8 ? expect + strlen(expect) - 8 : expect;
		if (i >= 7)
			assert_string_equal(content(&rb), want);
	}
}

static void overflow(void **s)
{
	(void)s;
	char st[8];
	struct ringbuf rb;
	ringbuf_init(&rb, st, sizeof(st));
	ringbuf_add(&rb, "xyz", 3);
	/* a write larger than the ring keeps its last bytes only, whatever was there */
	const char *big = "the quick brown fox jumps over the lazy dog";
	ringbuf_add(&rb, big, strlen(big));
	assert_string_equal(content(&rb), "lazy dog");
	assert_int_equal(rb.fill, 8);
	/* and the ring goes on from there */
	ringbuf_add(&rb, "!!", 2);
	assert_string_equal(content(&rb), "zy dog!!");
	/* a huge write (the monitor reads 4 KiB at a time into a 16 KiB ring) */
	char huge[100000];
	for (size_t i = 0; i < sizeof(huge); i++)
		huge[i] = (char)('0' + i % 10);
	ringbuf_add(&rb, huge, sizeof(huge));
	assert_string_equal(content(&rb), "23456789"); /* indices 99992..99999 */
}

static void send_to_fd(void **s)
{
	(void)s;
	char st[8];
	struct ringbuf rb;
	ringbuf_init(&rb, st, sizeof(st));
	ringbuf_add(&rb, "0123456789ab", 12);
	ringbuf_add(&rb, "XYZ", 3); /* wrapped */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ringbuf_send(&rb, p[1]), 0);
	close(p[1]);
	char buf[32];
	ssize_t n = read(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "789abXYZ", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty),	cmocka_unit_test(below_capacity), cmocka_unit_test(exact_sizes),
		cmocka_unit_test(wrap_around), cmocka_unit_test(overflow),	  cmocka_unit_test(send_to_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

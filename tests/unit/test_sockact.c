/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passed sockets, idleness (idle_stop): which lines of /proc/net/tcp, tcp6 and unix make the
 * sockets busy: an open connection on an endpoint (a wildcard listener's too), a new one in
 * TIME_WAIT but not the same one seen again, a listener's accept queue; other ports, other
 * addresses and other paths do not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sockact.h"

static const char hdr[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

static void set_of(struct sockact_set *s, const char *list)
{
	memset(s, 0, sizeof(*s));
	int n = sockspec_list(list, s->sp);
	assert_true(n > 0);
	s->n = (unsigned)n;
}

static void test_tcp(void **state)
{
	(void)state;
	struct sockact_set s;
	set_of(&s, "tcp:127.0.0.1:8080");
	char t[1024];
	/* the listener alone, empty queue: idle */
	snprintf(t, sizeof(t),
		 "%s   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n", hdr);
	assert_false(sockact_busy_tcp(&s, t, false, NULL, NULL));
	/* a connection waiting in its accept queue */
	snprintf(t, sizeof(t),
		 "%s   0: 0100007F:1F90 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 1 1\n", hdr);
	assert_true(sockact_busy_tcp(&s, t, false, NULL, NULL));
	/* established */
	snprintf(t, sizeof(t),
		 "%s   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n", hdr);
	assert_true(sockact_busy_tcp(&s, t, false, NULL, NULL));
	/* another port, another address: not ours */
	snprintf(t, sizeof(t),
		 "%s   1: 0100007F:1F91 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
		 "   2: 0200007F:1F90 0100007F:D432 01 00000000:00000000 00:00000000 00000000     0        0 3 1\n",
		 hdr);
	assert_false(sockact_busy_tcp(&s, t, false, NULL, NULL));
	/* TIME_WAIT: busy when new, not when seen before */
	struct sockact_seen a = {0}, b = {0};
	snprintf(t, sizeof(t),
		 "%s   1: 0100007F:1F90 0100007F:D431 06 00000000:00000000 03:00000F00 00000000     0        0 0 3\n", hdr);
	assert_true(sockact_busy_tcp(&s, t, false, &a, &b));
	assert_int_equal(b.n, 1);
	struct sockact_seen c = {0};
	assert_false(sockact_busy_tcp(&s, t, false, &b, &c));
	/* a wildcard listener: any address on its port */
	set_of(&s, "tcp:0.0.0.0:8080");
	snprintf(t, sizeof(t),
		 "%s   1: 0500000A:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n", hdr);
	assert_true(sockact_busy_tcp(&s, t, false, NULL, NULL));
	/* IPv6 (::1) only in tcp6 */
	set_of(&s, "tcp:[::1]:443");
	snprintf(t, sizeof(t), "%s   0: 00000000000000000000000001000000:01BB 00000000000000000000000001000000:9C40 01 00000000:00000000 00:00000000 00000000     0        0 9 1\n",
		 hdr);
	assert_true(sockact_busy_tcp(&s, t, true, NULL, NULL));
	assert_false(sockact_busy_tcp(&s, t, false, NULL, NULL));
}

static void test_unix(void **state)
{
	(void)state;
	struct sockact_set s;
	set_of(&s, "unix:/run/x.sock");
	const char *listening = "Num       RefCount Protocol Flags    Type St Inode Path\n"
				"0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock\n";
	assert_false(sockact_busy_unix(&s, listening));
	const char *conn = "Num       RefCount Protocol Flags    Type St Inode Path\n"
			   "0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock\n"
			   "0000000000000000: 00000003 00000000 00000000 0001 03 12346 /run/x.sock\n"
			   "0000000000000000: 00000003 00000000 00000000 0001 03 12347 /run/x.sock.other\n";
	assert_true(sockact_busy_unix(&s, conn));
	set_of(&s, "unix:/run/y.sock");
	assert_false(sockact_busy_unix(&s, conn));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_unix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Lock-file contents, run-state round trip, capability drop mask, and the lock itself in a temp
 * run_dir (flock needs no root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "error.h"
#include "lock.h"
#include "state.h"
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
	char tmpl[] = "/tmp/cellctl-lock-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
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
	char *cmd = xasprintf("rm -rf %s", tmpl);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void state_round_trip(void **s)
{
	(void)s;
	struct ct_state a = {0}, b;
	a.monitor_pid = 10;
	a.monitor_start = 123456789ULL;
	a.init_pid = 11;
	a.init_start = 987654321ULL;
	a.userns = true;
	a.uid_base = 165536;
	a.boots = 3;
	a.cg.mode = CG_HYBRID;
	a.cg.n = 2;
	snprintf(a.cg.h[0].name, sizeof(a.cg.h[0].name), "unified");
	snprintf(a.cg.h[0].mount, sizeof(a.cg.h[0].mount), "/sys/fs/cgroup/unified");
	snprintf(a.cg.h[0].rel, sizeof(a.cg.h[0].rel), "cellctl/101");
	snprintf(a.cg.h[1].name, sizeof(a.cg.h[1].name), "memory");
	snprintf(a.cg.h[1].mount, sizeof(a.cg.h[1].mount), "/sys/fs/cgroup/memory");
	snprintf(a.cg.h[1].rel, sizeof(a.cg.h[1].rel), "process_api/x/cellctl/101");
	a.cg.h[0].ino = 4096;
	a.cg.h[1].ino = 0x100000abcULL; /* the identity of each limit cgroup, recorded at start */
	char *text = state_format(&a);
	assert_int_equal(state_parse(text, &b), 0);
	assert_int_equal(b.monitor_pid, 10);
	assert_true(b.monitor_start == 123456789ULL);
	assert_int_equal(b.init_pid, 11);
	assert_true(b.init_start == 987654321ULL);
	assert_true(b.userns);
	assert_int_equal(b.uid_base, 165536);
	assert_int_equal(b.boots, 3);
	assert_int_equal(b.cg.n, 2);
	assert_int_equal(b.cg.mode, CG_HYBRID);
	assert_string_equal(b.cg.h[1].rel, "process_api/x/cellctl/101");
	assert_true(b.cg.h[0].ino == 4096);
	assert_true(b.cg.h[1].ino == 0x100000abcULL);
	free(text);
	assert_int_equal(state_parse("garbage", &b), -EINVAL);
}

static void starttime_of_self(void **s)
{
	(void)s;
	unsigned long long st;
	assert_int_equal(proc_starttime(getpid(), &st), 0);
	assert_true(proc_alive(getpid(), st));
	assert_false(proc_alive(getpid(), st + 1));
	assert_false(proc_alive(0, 0));
}

static void cap_mask(void **s)
{
	(void)s;
	uint64_t m;
	assert_int_equal(caps_drop_mask(NULL, &m), 0);
	assert_true(m & (1ULL << CAP_SYS_MODULE));
	assert_true(m & (1ULL << CAP_SYS_TIME));
	assert_true(m & (1ULL << CAP_AUDIT_WRITE));
	assert_false(m & (1ULL << CAP_SYS_ADMIN)); /* guests need it */
	assert_false(m & (1ULL << CAP_MKNOD));
	assert_int_equal(caps_drop_mask("sys_time:on,net_admin:off", &m), 0);
	assert_false(m & (1ULL << CAP_SYS_TIME));
	assert_true(m & (1ULL << CAP_NET_ADMIN));
	assert_int_equal(caps_drop_mask("CAP_SYS_MODULE:on", &m), 0);
	assert_false(m & (1ULL << CAP_SYS_MODULE));
	assert_int_equal(caps_drop_mask("no_such_cap:on", &m), -EINVAL);
	assert_int_equal(caps_drop_mask("sys_time", &m), -EINVAL);
	assert_int_equal(caps_drop_mask("sys_time:maybe", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lock_contents),    cmocka_unit_test(lock_taken_and_stale),
		cmocka_unit_test(state_round_trip), cmocka_unit_test(starttime_of_self),
		cmocka_unit_test(cap_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state: the run state file (run_dir/CTID.state): text round trip, file round trip in a temp
 * run_dir, truncated and hostile files, and the process checks behind "is it running". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fixtures.h"
#include "state.h"
#include "util.h"

/* a hybrid host's state: two hierarchies, each with its recorded identity */
static void sample(struct ct_state *a)
{
	memset(a, 0, sizeof(*a));
	a->monitor_pid = 10;
	a->monitor_start = 123456789ULL;
	a->init_pid = 11;
	a->init_start = 987654321ULL;
	a->userns = true;
	a->uid_base = 165536;
	a->boots = 3;
	a->cg.mode = CG_HYBRID;
	a->cg.n = 2;
	snprintf(a->cg.h[0].name, sizeof(a->cg.h[0].name), "unified");
	snprintf(a->cg.h[0].mount, sizeof(a->cg.h[0].mount), "/sys/fs/cgroup/unified");
	snprintf(a->cg.h[0].rel, sizeof(a->cg.h[0].rel), "cellctl/101");
	snprintf(a->cg.h[1].name, sizeof(a->cg.h[1].name), "memory");
	snprintf(a->cg.h[1].mount, sizeof(a->cg.h[1].mount), "/sys/fs/cgroup/memory");
	snprintf(a->cg.h[1].rel, sizeof(a->cg.h[1].rel), "process_api/x/cellctl/101");
	a->cg.h[0].ino = 4096;
	a->cg.h[1].ino = 0x100000abcULL; /* the identity of each limit cgroup, recorded at start */
}

static void assert_same_hier(const struct cg_hier *x, const struct cg_hier *y)
{
	assert_string_equal(x->name, y->name);
	assert_string_equal(x->mount, y->mount);
	assert_string_equal(x->rel, y->rel);
	assert_true(x->ino == y->ino);
}

static void assert_same_state(const struct ct_state *a, const struct ct_state *b)
{
	assert_int_equal(b->monitor_pid, a->monitor_pid);
	assert_true(b->monitor_start == a->monitor_start);
	assert_int_equal(b->init_pid, a->init_pid);
	assert_true(b->init_start == a->init_start);
	assert_int_equal(b->userns, a->userns);
	assert_int_equal(b->uid_base, a->uid_base);
	assert_int_equal(b->boots, a->boots);
	assert_int_equal(b->cg.mode, a->cg.mode);
	assert_int_equal(b->cg.n, a->cg.n);
	for (unsigned i = 0; i < a->cg.n; i++)
		assert_same_hier(&a->cg.h[i], &b->cg.h[i]);
}

static void text_round_trip(void **s)
{
	(void)s;
	struct ct_state a, b;
	sample(&a);
	_cleanup_free_ char *text = state_format(&a);
	assert_int_equal(state_parse(text, &b), 0);
	assert_same_state(&a, &b);
	/* and formatting again gives the same text */
	_cleanup_free_ char *again = state_format(&b);
	assert_string_equal(text, again);
	assert_int_equal(state_parse("garbage", &b), -EINVAL);
}

static void file_round_trip(void **s)
{
	(void)s;
	char dir[64];
	fx_tmpdir(dir, sizeof(dir), "state");
	struct gconf g = {.run_dir = dir};
	struct ct_state a, b;
	sample(&a);
	/* init is this process, as the start recorded it */
	a.init_pid = getpid();
	assert_int_equal(proc_starttime(getpid(), &a.init_start), 0);
	assert_int_equal(state_read(&g, 101, &b), -ENOENT);
	assert_false(ct_running(&g, 101, NULL));

	assert_int_equal(state_write(&g, 101, &a), 0);
	_cleanup_free_ char *path = state_path(&g, 101, ".state");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600); /* root's business only */
	assert_int_equal(state_read(&g, 101, &b), 0);
	assert_same_state(&a, &b);
	memset(&b, 0, sizeof(b));
	assert_true(ct_running(&g, 101, &b));
	assert_int_equal(b.init_pid, getpid());
	assert_false(ct_running(&g, 102, NULL)); /* another CTID has no state */

	/* a rewrite replaces the whole file */
	a.boots = 4;
	a.cg.n = 1;
	assert_int_equal(state_write(&g, 101, &a), 0);
	assert_int_equal(state_read(&g, 101, &b), 0);
	assert_int_equal(b.boots, 4);
	assert_int_equal(b.cg.n, 1);

	/* state_remove takes the socket along */
	_cleanup_free_ char *sock = state_path(&g, 101, ".sock");
	fx_write(NULL, sock, "");
	state_remove(&g, 101);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(sock, F_OK), -1);
	assert_int_equal(state_read(&g, 101, &b), -ENOENT);
	assert_false(ct_running(&g, 101, NULL));
	state_remove(&g, 101); /* nothing there: fine */
	rm_rf(dir);
}

/* A state file cut short anywhere never reads as another cgroup: a cut inside a line is refused,
 * and a cut after a whole line reads as fewer hierarchies, each one exactly as recorded. */
static void truncated(void **s)
{
	(void)s;
	struct ct_state a, b;
	sample(&a);
	_cleanup_free_ char *text = state_format(&a);
	size_t len = strlen(text);
	for (size_t cut = 0; cut < len; cut++) {
		_cleanup_free_ char *part = xstrndup(text, cut);
		int r = state_parse(part, &b);
		if (cut == 0 || text[cut - 1] != '\n') {
			if (r != -EINVAL)
				fail_msg("cut at %zu (inside a line) gave %d: '%s'", cut, r, part);
			continue;
		}
		if (r < 0)
			continue;
		assert_true(b.cg.n >= 1 && b.cg.n < a.cg.n);
		for (unsigned i = 0; i < b.cg.n; i++)
			assert_same_hier(&a.cg.h[i], &b.cg.h[i]);
	}
}

/* Text nobody wrote: refused, never read as a cgroup outside the parent or beyond the arrays. */
static void hostile(void **s)
{
	(void)s;
	static const char *const head = "monitor 10 1\ninit 11 2\nuserns 1 165536\nboots 1\n";
	static const char *const bad_cg[] = {
		"",                                                  /* no cgroups at all */
		"mode unified\n",                                    /* a mode but no hierarchy */
		"unified /sys/fs/cgroup cellctl/101 1\n",            /* no mode line */
		"mode sideways\nunified /sys/fs/cgroup cellctl/101 1\n",
		"mode unified\nunified /sys/fs/cgroup ../../etc 1\n", /* out of the parent */
		"mode unified\nunified /sys/fs/cgroup cellctl/../../x 1\n",
		"mode unified\nunified /sys/fs/cgroup /etc 1\n",     /* absolute */
		"mode unified\nunified /sys/fs/cgroup cellctl/101 -1\n",
		"mode unified\nunified /sys/fs/cgroup cellctl/101 12x\n",
		"mode unified\nunified /sys/fs/cgroup cellctl/101 1 extra\n",
		"mode unified\nunified /sys/fs/cgroup\n",            /* no path */
	};
	struct ct_state b;
	for (size_t i = 0; i < sizeof(bad_cg) / sizeof(bad_cg[0]); i++) {
		_cleanup_free_ char *t = xasprintf("%s%s", head, bad_cg[i]);
		int r = state_parse(t, &b);
		if (r != -EINVAL)
			fail_msg("hostile state %zu gave %d:\n%s", i, r, t);
	}
	static const char *const bad_head[] = {
		"monitor x 1\ninit 11 2\nuserns 1 0\nboots 1\n",
		"init 11 2\nmonitor 10 1\nuserns 1 0\nboots 1\n", /* lines out of order */
		"monitor 10 1\ninit 11 2\nuserns 1 0\n",          /* no boots line */
		"monitor 10\ninit 11 2\nuserns 1 0\nboots 1\n",
		"\177ELF\x02\x01\x01\n", /* octal: a hex escape would run on into the E */
	};
	for (size_t i = 0; i < sizeof(bad_head) / sizeof(bad_head[0]); i++) {
		_cleanup_free_ char *t = xasprintf("%smode unified\nunified /sys/fs/cgroup cellctl/101 1\n", bad_head[i]);
		int r = state_parse(t, &b);
		if (r != -EINVAL)
			fail_msg("hostile head %zu gave %d:\n%s", i, r, t);
	}
	/* more hierarchies than a host can have */
	struct strbuf sb = {0};
	sb_add(&sb, head);
	sb_add(&sb, "mode legacy\n");
	for (int i = 0; i <= CG_MAX_HIER; i++)
		sb_printf(&sb, "h%d /sys/fs/cgroup/h%d cellctl/101 %d\n", i, i, i + 1);
	_cleanup_free_ char *many = sb_done(&sb);
	assert_int_equal(state_parse(many, &b), -EINVAL);
	/* names longer than their fields */
	char longname[600];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	_cleanup_free_ char *t1 = xasprintf("%smode unified\n%s /sys/fs/cgroup cellctl/101 1\n", head, longname);
	_cleanup_free_ char *t2 = xasprintf("%smode unified\nunified /%s cellctl/101 1\n", head, longname);
	_cleanup_free_ char *t3 = xasprintf("%smode unified\nunified /sys/fs/cgroup %s 1\n", head, longname);
	assert_int_equal(state_parse(t1, &b), -EINVAL);
	assert_int_equal(state_parse(t2, &b), -EINVAL);
	assert_int_equal(state_parse(t3, &b), -EINVAL);
}

/* A state file whose init is not a live process it recorded does not make the container
 * running: no pid, a negative one, or this process with another start time (pid reuse). */
static void not_running(void **s)
{
	(void)s;
	char dir[64];
	fx_tmpdir(dir, sizeof(dir), "state");
	struct gconf g = {.run_dir = dir};
	unsigned long long me;
	assert_int_equal(proc_starttime(getpid(), &me), 0);
	const char *cg = "mode unified\nunified /sys/fs/cgroup cellctl/101 1\n";
	char line[128];
	struct {
		long long pid;
		unsigned long long start;
	} inits[] = {{0, 0}, {-1, 0}, {-1, me}, {getpid(), me + 1}, {getpid(), 0}};
	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++) {
		snprintf(line, sizeof(line), "monitor %lld %llu\ninit %lld %llu\nuserns 0 0\nboots 1\n", inits[i].pid,
			 inits[i].start, inits[i].pid, inits[i].start);
		_cleanup_free_ char *t = xasprintf("%s%s", line, cg);
		fx_write(dir, "101.state", t);
		if (ct_running(&g, 101, NULL))
			fail_msg("init %lld start %llu reads as running", inits[i].pid, inits[i].start);
	}
	/* the same with this process's real start time does */
	snprintf(line, sizeof(line), "monitor 0 0\ninit %d %llu\nuserns 0 0\nboots 1\n", (int)getpid(), me);
	_cleanup_free_ char *t = xasprintf("%s%s", line, cg);
	fx_write(dir, "101.state", t);
	assert_true(ct_running(&g, 101, NULL));
	rm_rf(dir);
}

static void starttime_of_self(void **s)
{
	(void)s;
	unsigned long long st;
	assert_int_equal(proc_starttime(getpid(), &st), 0);
	assert_true(proc_alive(getpid(), st));
	assert_false(proc_alive(getpid(), st + 1));
	assert_false(proc_alive(0, 0));
	assert_false(proc_alive(-1, st));
	assert_int_equal(proc_pidfd(0, 0), -ESRCH);
	int fd = proc_pidfd(getpid(), st);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(proc_pidfd(getpid(), st + 1), -ESRCH);
}

/* state_ids: the CTIDs of the canonically named CTID.state files of the run dir, sorted, one
 * readdir; a container not among them is not running, and list and ubc open no state of it. */
static void ids_of_run_dir(void **s)
{
	(void)s;
	char dir[64];
	fx_tmpdir(dir, sizeof(dir), "stateids");
	struct gconf g = {.run_dir = dir};
	unsigned *ids = NULL, n = 9;
	assert_int_equal(state_ids(&g, &ids, &n), 0); /* an empty run dir */
	assert_null(ids);
	assert_int_equal(n, 0);
	assert_false(ctid_in(ids, n, 101));
	const char *names[] = {"205.state", "101.state", "0102.state", "103.sock", "104.state.tmp", "99.state",
			       "1970000001.state", "x.state", ".state", "106.lock"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, names[i]);
		fx_write(NULL, p, "");
	}
	assert_int_equal(state_ids(&g, &ids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 101);
	assert_int_equal(ids[1], 205);
	assert_int_equal(ids[2], 1970000001u);
	assert_true(ctid_in(ids, n, 101) && ctid_in(ids, n, 205) && ctid_in(ids, n, 1970000001u));
	assert_false(ctid_in(ids, n, 102) || ctid_in(ids, n, 103) || ctid_in(ids, n, 104) || ctid_in(ids, n, 99));
	free(ids);
	rm_rf(dir);
	/* no run dir yet: nothing runs */
	assert_int_equal(state_ids(&g, &ids, &n), 0);
	assert_int_equal(n, 0);
	/* a run dir that is no directory: an error, the caller looks at each */
	char notdir[80];
	snprintf(notdir, sizeof(notdir), "%s.f", dir);
	fx_write(NULL, notdir, "");
	g.run_dir = notdir;
	assert_int_equal(state_ids(&g, &ids, &n), -ENOTDIR);
	unlink(notdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_round_trip), cmocka_unit_test(file_round_trip), cmocka_unit_test(truncated),
		cmocka_unit_test(hostile),         cmocka_unit_test(not_running),     cmocka_unit_test(starttime_of_self),
		cmocka_unit_test(ids_of_run_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

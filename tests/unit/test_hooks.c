/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Action scripts: the environment (hook_env, hook_env_shell), the file checks (hook_check) and the
 * host-side run (hook_exec_host: status, environment, timeout). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "fixtures.h"
#include "hooks.h"
#include "util.h"

static void test_env(void **state)
{
	(void)state;
	struct hook_info hi = {.ctid = 4711,
			       .conffile = "/etc/cellctl/ct/4711.conf",
			       .root = "/r",
			       .priv = "/p/4711",
			       .phase = HOOK_PREMOUNT};
	char *env[HOOK_NENV];
	hook_env(&hi, env);
	const char *want[] = {"VEID=4711",
			      "CTID=4711",
			      "VE_CONFFILE=/etc/cellctl/ct/4711.conf",
			      "VE_ROOT=/r",
			      "VE_PRIVATE=/p/4711",
			      "VE_STATE=starting",
			      "CELLCTL_HOOK=premount"};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(env[i], want[i]);
	assert_true(str_startswith(env[7], "PATH=/usr/local/sbin:"));
	assert_null(env[8]);
	hook_env_free(env);
	/* the phases after start are "stopping"; the names are the files' suffixes */
	hi.phase = HOOK_UMOUNT;
	hi.root = NULL;
	hook_env(&hi, env);
	assert_string_equal(env[3], "VE_ROOT=");
	assert_string_equal(env[5], "VE_STATE=stopping");
	assert_string_equal(env[6], "CELLCTL_HOOK=umount");
	hook_env_free(env);
	assert_string_equal(hook_phase_name(HOOK_POSTUMOUNT), "postumount");
	assert_true(hook_inside(HOOK_START) && hook_inside(HOOK_STOP));
	assert_false(hook_inside(HOOK_MOUNT) || hook_inside(HOOK_PREMOUNT) || hook_inside(HOOK_UMOUNT));
	char *paths[2];
	hook_paths("/etc/cellctl/ct", 4711, HOOK_MOUNT, paths);
	assert_string_equal(paths[0], "/etc/cellctl/ct/vps.mount");
	assert_string_equal(paths[1], "/etc/cellctl/ct/4711.mount");
	free(paths[0]);
	free(paths[1]);
}

static void test_env_shell(void **state)
{
	(void)state;
	/* a quote in a value cannot end the string: the guest's shell gets the value as it is */
	struct hook_info hi = {.ctid = 7, .conffile = "/c/it's; rm -rf /", .root = "/", .priv = "/p", .phase = HOOK_STOP};
	_cleanup_free_ char *sh = hook_env_shell(&hi);
	assert_non_null(strstr(sh, "export VEID='7'\n"));
	assert_non_null(strstr(sh, "export VE_CONFFILE='/c/it'\\''s; rm -rf /'\n"));
	assert_non_null(strstr(sh, "export VE_STATE='stopping'\nexport CELLCTL_HOOK='stop'\n"));
	/* and a shell reads it back unchanged */
	char dir[256];
	fx_tmpdir(dir, sizeof(dir), "hooks-sh");
	_cleanup_free_ char *script = xasprintf("%sprintf '%%s' \"$VE_CONFFILE\" > %s/out\n", sh, dir);
	_cleanup_free_ char *f = xasprintf("%s/s", dir);
	fx_write(NULL, f, script);
	_cleanup_free_ char *cmd = xasprintf("/bin/sh %s", f);
	assert_int_equal(system(cmd), 0);
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *of = xasprintf("%s/out", dir);
	assert_int_equal(read_file_at(-100, of, &out, NULL), 0);
	assert_string_equal(out, "/c/it's; rm -rf /");
	rm_rf(dir);
}

static void test_check(void **state)
{
	(void)state;
	char dir[256];
	fx_tmpdir(dir, sizeof(dir), "hooks-check");
	_cleanup_free_ char *f = xasprintf("%s/101.mount", dir);
	_cleanup_free_ char *l = xasprintf("%s/101.umount", dir);
	_cleanup_free_ char *none = xasprintf("%s/101.start", dir);
	assert_int_equal(hook_check(none, true, NULL), 1); /* no script: nothing to run */
	fx_write(NULL, f, "#!/bin/sh\nexit 0\n");
	assert_int_equal(symlink(f, l), 0);
	cerr_clear();
	assert_true(hook_check(l, true, NULL) < 0); /* a symlink, whoever owns it */
	assert_int_equal(cerr_exit(), EX_ACTIONSCRIPT);
	assert_non_null(strstr(cerr_msg(), "symbolic link"));
	cerr_clear();
	if (geteuid() != 0) {
		/* ours, not root's: refused */
		chmod(f, 0755);
		assert_true(hook_check(f, true, NULL) < 0);
		cerr_clear();
		rm_rf(dir);
		return;
	}
	chmod(dir, 0755);
	chmod(f, 0755);
	int fd = -1;
	assert_int_equal(hook_check(f, true, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
	chmod(f, 0644);
	assert_true(hook_check(f, true, NULL) < 0); /* not executable: refused for the host */
	assert_non_null(strstr(cerr_msg(), "not executable"));
	cerr_clear();
	assert_int_equal(hook_check(f, false, NULL), 0); /* read for the guest: fine */
	chmod(f, 0757);
	assert_true(hook_check(f, true, NULL) < 0);
	assert_non_null(strstr(cerr_msg(), "writable by group or others"));
	cerr_clear();
	chmod(f, 0775);
	assert_true(hook_check(f, false, NULL) < 0);
	cerr_clear();
	chmod(f, 0755);
	assert_int_equal(chown(f, 1000, 0), 0);
	assert_true(hook_check(f, true, NULL) < 0);
	assert_non_null(strstr(cerr_msg(), "not owned by root"));
	cerr_clear();
	assert_int_equal(chown(f, 0, 0), 0);
	/* the directory: writable by others refused, unless sticky (like /tmp) */
	chmod(dir, 0777);
	assert_true(hook_check(f, true, NULL) < 0);
	assert_non_null(strstr(cerr_msg(), "directory"));
	cerr_clear();
	chmod(dir, 01777);
	assert_int_equal(hook_check(f, true, NULL), 0);
	chmod(dir, 0755);
	assert_int_equal(chown(dir, 1000, 1000), 0);
	assert_true(hook_check(f, true, NULL) < 0);
	assert_non_null(strstr(cerr_msg(), "not owned by root"));
	cerr_clear();
	assert_int_equal(chown(dir, 0, 0), 0);
	/* a FIFO is not a regular file (and does not hang the check) */
	_cleanup_free_ char *p = xasprintf("%s/101.stop", dir);
	assert_int_equal(mkfifo(p, 0700), 0);
	assert_true(hook_check(p, false, NULL) < 0);
	assert_non_null(strstr(cerr_msg(), "not a regular file"));
	cerr_clear();
	rm_rf(dir);
}

static void test_exec(void **state)
{
	(void)state;
	char dir[256];
	fx_tmpdir(dir, sizeof(dir), "hooks-exec");
	struct hook_info hi = {.ctid = 9, .conffile = "/c", .root = "/r", .priv = "/p", .phase = HOOK_MOUNT};
	char *env[HOOK_NENV];
	hook_env(&hi, env);
	_cleanup_free_ char *f = xasprintf("%s/h", dir);
	_cleanup_free_ char *text = xasprintf("#!/bin/sh\nenv | sort > %s/env\nexit ${RC:-0}\n", dir);
	fx_write(NULL, f, text);
	chmod(f, 0755);
	setenv("LEAKED_FROM_CALLER", "1", 1);
	assert_int_equal(hook_exec_host(f, env, -1, 10), 0);
	_cleanup_free_ char *envf = xasprintf("%s/env", dir), *got = NULL;
	assert_int_equal(read_file_at(-100, envf, &got, NULL), 0);
	assert_non_null(strstr(got, "CELLCTL_HOOK=mount\n"));
	assert_non_null(strstr(got, "VEID=9\n"));
	assert_null(strstr(got, "LEAKED_FROM_CALLER"));
	/* a failing script: EX_ACTIONSCRIPT with its status */
	_cleanup_free_ char *t2 = xasprintf("#!/bin/sh\necho failing\nexit 3\n");
	fx_write(NULL, f, t2);
	cerr_clear();
	assert_true(hook_exec_host(f, env, -1, 10) < 0);
	assert_int_equal(cerr_exit(), EX_ACTIONSCRIPT);
	assert_non_null(strstr(cerr_msg(), "exit status 3"));
	cerr_clear();
	/* a script that outlives the timeout, with a child in its group: both killed, at once */
	_cleanup_free_ char *t3 = xasprintf("#!/bin/sh\nsleep 100 &\necho $! > %s/child\nsleep 100\n", dir);
	fx_write(NULL, f, t3);
	uint64_t t0 = now_ms();
	assert_true(hook_exec_host(f, env, -1, 1) < 0);
	assert_true(now_ms() - t0 < 3000);
	assert_non_null(strstr(cerr_msg(), "timed out"));
	cerr_clear();
	_cleanup_free_ char *cf = xasprintf("%s/child", dir), *cpid = NULL;
	assert_int_equal(read_file_at(-100, cf, &cpid, NULL), 0);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d/stat", atoi(cpid));
	/* gone, or a zombie its new parent has not reaped yet */
	bool dead = false;
	for (int i = 0; i < 50 && !dead; i++) {
		_cleanup_free_ char *st = NULL;
		dead = read_file_at(-100, proc, &st, NULL) < 0 || (strrchr(st, ')') && strrchr(st, ')')[2] == 'Z');
		if (!dead)
			usleep(20000);
	}
	assert_true(dead);
	hook_env_free(env);
	rm_rf(dir);
}

/* The global key: [defaults] action_script_timeout, 1 to 86400 s, default 60. */
static void test_timeout_key(void **state)
{
	(void)state;
	char dir[256];
	fx_tmpdir(dir, sizeof(dir), "hooks-conf");
	_cleanup_free_ char *p = xasprintf("%s/cellctl.conf", dir);
	setenv("CELLCTL_CONF", p, 1);
	const char *texts[] = {"[paths]\nconfig_dir = ct\n",
			       "[paths]\nconfig_dir = ct\n[defaults]\naction_script_timeout = 5\n",
			       "[paths]\nconfig_dir = ct\n[defaults]\naction_script_timeout = 0\n"};
	unsigned want[] = {60, 5, 0};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		fx_write(NULL, p, texts[i]);
		struct gconf *g = NULL;
		cerr_clear();
		int r = gconf_load(&g);
		if (want[i]) {
			assert_int_equal(r, 0);
			assert_int_equal(g->hook_timeout, want[i]);
			gconf_free(g);
		} else {
			assert_true(r < 0);
			assert_non_null(strstr(cerr_msg(), "action_script_timeout"));
		}
	}
	cerr_clear();
	unsetenv("CELLCTL_CONF");
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),  cmocka_unit_test(test_env_shell),   cmocka_unit_test(test_check),
		cmocka_unit_test(test_exec), cmocka_unit_test(test_timeout_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

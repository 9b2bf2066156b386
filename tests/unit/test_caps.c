/* SPDX-License-Identifier: GPL-2.0-or-later */
/* caps: the bounding-set drop mask from a config's capability list (names, on/off, the default
 * set, errors), and dropping it from a process (a forked child; root only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

#define BIT(c) (1ULL << (c))
/* what man/cellctl.8 says is dropped when the config says nothing */
static const uint64_t DEFAULT_DROP = BIT(CAP_SYS_MODULE) | BIT(CAP_SYS_TIME) | BIT(CAP_SYS_RAWIO) |
				     BIT(CAP_MAC_ADMIN) | BIT(CAP_MAC_OVERRIDE) | BIT(CAP_AUDIT_CONTROL) |
				     BIT(CAP_AUDIT_READ) | BIT(CAP_AUDIT_WRITE);

static uint64_t mask_of(const char *cfg)
{
	uint64_t m = 0xdeadbeef;
	assert_int_equal(caps_drop_mask(cfg, &m), 0);
	return m;
}

static void default_set(void **s)
{
	(void)s;
	assert_true(mask_of(NULL) == DEFAULT_DROP);
	assert_true(mask_of("") == DEFAULT_DROP);
	/* kept on purpose: guests need them (devices are governed by the devices program) */
	assert_false(DEFAULT_DROP & BIT(CAP_SYS_ADMIN));
	assert_false(DEFAULT_DROP & BIT(CAP_MKNOD));
}

static void keep_and_drop(void **s)
{
	(void)s;
	uint64_t m = mask_of("sys_time:on,net_admin:off");
	assert_false(m & BIT(CAP_SYS_TIME));
	assert_true(m & BIT(CAP_NET_ADMIN));
	assert_true(m == ((DEFAULT_DROP & ~BIT(CAP_SYS_TIME)) | BIT(CAP_NET_ADMIN))); /* nothing else moves */
	/* a set of drops: commas, spaces and tabs all separate entries */
	m = mask_of("net_raw:off, sys_ptrace:off\tsys_boot:off");
	assert_true(m == (DEFAULT_DROP | BIT(CAP_NET_RAW) | BIT(CAP_SYS_PTRACE) | BIT(CAP_SYS_BOOT)));
	/* every default back on: nothing dropped */
	assert_true(mask_of("sys_module:on,sys_time:on,sys_rawio:on,mac_admin:on,mac_override:on,"
			    "audit_control:on,audit_read:on,audit_write:on") == 0);
	/* the last entry for a name wins */
	assert_false(mask_of("net_admin:off,net_admin:on") & BIT(CAP_NET_ADMIN));
	assert_true(mask_of("net_admin:on,net_admin:off") & BIT(CAP_NET_ADMIN));
	/* the other spellings of on and off */
	assert_true(mask_of("net_admin:no") & BIT(CAP_NET_ADMIN));
	assert_true(mask_of("net_admin:0") & BIT(CAP_NET_ADMIN));
	assert_false(mask_of("sys_time:yes") & BIT(CAP_SYS_TIME));
	assert_false(mask_of("sys_time:1") & BIT(CAP_SYS_TIME));
}

/* man/cellctl.8: names as in capabilities(7), with or without the cap_ prefix, in any case */
static void name_forms(void **s)
{
	(void)s;
	static const char *const forms[] = {"sys_module:on", "SYS_MODULE:on", "Sys_Module:on", "cap_sys_module:on",
					    "CAP_SYS_MODULE:on", "Cap_Sys_Module:on", "cAp_sys_MODULE:on"};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		uint64_t m = 0;
		int r = caps_drop_mask(forms[i], &m);
		if (r != 0)
			fail_msg("%s: %d", forms[i], r);
		assert_true(m == (DEFAULT_DROP & ~BIT(CAP_SYS_MODULE)));
	}
}

static void bad_lists(void **s)
{
	(void)s;
	static const char *const bad[] = {
		"no_such_cap:on",   /* unknown name */
		"sys_time",         /* no on/off */
		"sys_time:",        /* empty on/off */
		"sys_time:maybe",   /* not a boolean */
		":on",              /* no name */
		"cap_:on",          /* the prefix alone */
		"cap_cap_sys_time:on", /* the prefix twice */
		"sys_time:on,bogus:off", /* one bad entry spoils the list */
		"all:off",          /* no such word */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t m = 42;
		int r = caps_drop_mask(bad[i], &m);
		if (r != -EINVAL)
			fail_msg("'%s' gave %d, not -EINVAL", bad[i], r);
		assert_true(m == 42); /* the mask is left alone on error */
	}
}

/* The bounding set of a forked child after caps_apply_bound: the dropped ones are gone, the
 * others are as they were. Needs CAP_SETPCAP (root). */
static void apply_in_child(void **s)
{
	(void)s;
	if (geteuid() != 0 || prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1) {
		skip();
		return;
	}
	int before[CAP_LAST_CAP + 1];
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		before[c] = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
	uint64_t m = mask_of("net_raw:off,sys_chroot:off");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (caps_apply_bound(m) < 0)
			_exit(2);
		for (int c = 0; c <= CAP_LAST_CAP; c++) {
			int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
			if ((m & BIT(c)) ? in == 1 : in != before[c])
				_exit(10 + c);
		}
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("child: status %d (2: apply failed; 10+N: capability N wrong)", WEXITSTATUS(st));
	/* ours are untouched */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		assert_int_equal(prctl(PR_CAPBSET_READ, c, 0, 0, 0), before[c]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_set), cmocka_unit_test(keep_and_drop), cmocka_unit_test(name_forms),
		cmocka_unit_test(bad_lists),   cmocka_unit_test(apply_in_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The syscall filter: the program libseccomp builds for a config is run through a small
 * interpreter of classic BPF against seccomp_data for each architecture a process on x86_64 can
 * enter the kernel with (x86_64, i386 through int 0x80, x32), so no root and no kernel filter is
 * needed. Also the entry validators and the [security] parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "ini.h"
#include "secfilter.h"
#include "util.h"

#define ALLOW SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))
#define X32 0x40000000u

/* ---- a classic BPF interpreter, enough for seccomp programs ---- */
static uint32_t bpf_run(const struct sock_filter *f, unsigned n, const struct seccomp_data *d)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	for (unsigned pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		uint32_t k = i->k, v;
		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS && BPF_SIZE(i->code) == BPF_W) {
				assert_true(k % 4 == 0 && k + 4 <= sizeof(*d));
				memcpy(&A, (const char *)d + k, 4);
			} else if (BPF_MODE(i->code) == BPF_IMM) {
				A = k;
			} else if (BPF_MODE(i->code) == BPF_MEM) {
				assert_true(k < BPF_MEMWORDS);
				A = M[k];
			} else {
				fail_msg("unsupported load 0x%x at %u", i->code, pc);
			}
			break;
		case BPF_LDX:
			if (BPF_MODE(i->code) == BPF_IMM)
				X = k;
			else if (BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS)
				X = M[k];
			else
				fail_msg("unsupported ldx 0x%x at %u", i->code, pc);
			break;
		case BPF_ST:
			assert_true(k < BPF_MEMWORDS);
			M[k] = A;
			break;
		case BPF_STX:
			assert_true(k < BPF_MEMWORDS);
			M[k] = X;
			break;
		case BPF_ALU:
			v = BPF_SRC(i->code) == BPF_X ? X : k;
			switch (BPF_OP(i->code)) {
			case BPF_ADD: A += v; break;
			case BPF_SUB: A -= v; break;
			case BPF_MUL: A *= v; break;
			case BPF_DIV: assert_true(v != 0); A /= v; break;
			case BPF_OR: A |= v; break;
			case BPF_AND: A &= v; break;
			case BPF_XOR: A ^= v; break;
			case BPF_LSH: A <<= v; break;
			case BPF_RSH: A >>= v; break;
			case BPF_NEG: A = -A; break;
			default: fail_msg("unsupported alu 0x%x at %u", i->code, pc);
			}
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA) {
				pc += k;
				break;
			}
			v = BPF_SRC(i->code) == BPF_X ? X : k;
			bool c;
			switch (BPF_OP(i->code)) {
			case BPF_JEQ: c = A == v; break;
			case BPF_JGT: c = A > v; break;
			case BPF_JGE: c = A >= v; break;
			case BPF_JSET: c = (A & v) != 0; break;
			default: fail_msg("unsupported jump 0x%x at %u", i->code, pc); c = false;
			}
			pc += c ? i->jt : i->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? A : k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		default:
			fail_msg("unsupported class 0x%x at %u", i->code, pc);
		}
	}
	fail_msg("the program ran off its end");
	return 0;
}

static uint32_t call(const struct sec_prog *p, uint32_t arch, uint32_t nr, uint64_t a0, uint64_t a1)
{
	struct seccomp_data d;
	memset(&d, 0, sizeof(d));
	d.nr = (int)nr;
	d.arch = arch;
	d.args[0] = a0;
	d.args[1] = a1;
	assert_non_null(p->insns);
	return bpf_run(p->insns, p->len, &d);
}

static struct ct_config *blank(void)
{
	return xcalloc(1, sizeof(struct ct_config));
}

/* The default deny-list, call numbers straight from the kernel's tables (not from libseccomp). */
static const struct {
	const char *name;
	int x86_64, i386, x32; /* -1: no such call on that ABI */
	int err;
} table[] = {
	{"kexec_load", 246, 283, 528, EPERM},
	{"kexec_file_load", 320, -1, 320, EPERM},
	{"init_module", 175, 128, 175, EPERM},
	{"finit_module", 313, 350, 313, EPERM},
	{"delete_module", 176, 129, 176, EPERM},
	{"add_key", 248, 286, 248, ENOSYS},
	{"request_key", 249, 287, 249, ENOSYS},
	{"keyctl", 250, 288, 250, ENOSYS},
	{"open_by_handle_at", 304, 342, 304, EPERM},
	{"bpf", 321, 357, 321, EPERM},
	{"userfaultfd", 323, 374, 323, EPERM},
	{"perf_event_open", 298, 336, 298, EPERM},
	{"swapon", 167, 87, 167, EPERM},
	{"swapoff", 168, 115, 168, EPERM},
	{"acct", 163, 51, 163, EPERM},
	{"syslog", 103, 103, 103, EPERM},
	{"uselib", 134, 86, -1, EPERM},
};
enum { IOCTL_64 = 16, IOCTL_32 = 54, IOCTL_X32 = 514, GETPID_64 = 39, GETPID_32 = 20, PTRACE_64 = 101,
       PTRACE_32 = 26, PTRACE_X32 = 521, MOUNT_64 = 165, MOUNT_32 = 21 };
#define TIOCSTI_CMD 0x5412u
#define TIOCLINUX_CMD 0x541Cu
#define TCGETS_CMD 0x5401u

static void check_denied(const struct sec_prog *p, uint32_t arch, int nr, bool x32, int err, const char *name)
{
	if (nr < 0)
		return;
	uint32_t got = call(p, arch, (uint32_t)nr | (x32 ? X32 : 0), 0, 0);
	if (got != ERR(err))
		fail_msg("%s (arch 0x%x nr %d%s): got 0x%x, want errno %d", name, arch, nr, x32 ? " x32" : "", got, err);
}

static void test_defaults(void **state)
{
	(void)state;
	struct sec_prog p;
	assert_int_equal(sec_build(NULL, &p), 0);
	if (!sec_available()) {
		/* built without libseccomp: no program, and the caller is told */
		assert_null(p.insns);
		assert_true(p.missing);
		return;
	}
	assert_non_null(p.insns);
	assert_false(p.nnp);
	assert_false(p.missing);
	size_t n;
	const struct sec_rule *r = sec_default_rules(&n);
	assert_int_equal(n, ARRAY_SIZE(table) + 2); /* + the two ioctl commands */
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		assert_string_equal(r[i].name, table[i].name);
		assert_int_equal(r[i].err, table[i].err);
		check_denied(&p, AUDIT_ARCH_X86_64, table[i].x86_64, false, table[i].err, table[i].name);
		check_denied(&p, AUDIT_ARCH_I386, table[i].i386, false, table[i].err, table[i].name);
		check_denied(&p, AUDIT_ARCH_X86_64, table[i].x32, true, table[i].err, table[i].name);
	}
	/* ordinary calls pass on every ABI */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, GETPID_64, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_I386, GETPID_32, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, GETPID_64 | X32, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, MOUNT_64, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_I386, MOUNT_32, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, PTRACE_64, 0, 0), ALLOW);
	/* ioctl: TIOCSTI and TIOCLINUX only, on the low 32 bits of the command */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCSTI_CMD), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCSTI_CMD | (1ULL << 32)), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCSTI_CMD | 0xffffffff00000000ULL), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCLINUX_CMD), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TCGETS_CMD), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TCGETS_CMD | (1ULL << 32)), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_I386, IOCTL_32, 0, TIOCSTI_CMD), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_I386, IOCTL_32, 0, TIOCLINUX_CMD), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_I386, IOCTL_32, 0, TCGETS_CMD), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_X32 | X32, 0, TIOCSTI_CMD), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_X32 | X32, 0, TCGETS_CMD), ALLOW);
	/* an architecture the filter does not know is never let through */
	uint32_t other = call(&p, AUDIT_ARCH_AARCH64, 250, 0, 0);
	assert_true((other & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW && (other & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ERRNO);
	sec_prog_free(&p);
	assert_null(p.insns);
}

static void test_adjusted(void **state)
{
	(void)state;
	if (!sec_available())
		return; /* nothing to run (test_defaults checks the build says so) */
	struct ct_config *c = blank();
	strcpy(c->seccomp_allow, "keyctl,tiocsti,bpf");
	strcpy(c->seccomp_deny, "ptrace:EACCES,add_key:EPERM,mount:22");
	c->no_new_privs = true;
	struct sec_prog p;
	assert_int_equal(sec_build(c, &p), 0);
	assert_true(p.nnp);
	/* allowed again */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, 250, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_I386, 288, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, 250 | X32, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, 321, 0, 0), ALLOW);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCSTI_CMD), ALLOW);
	/* the rest of the list holds */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCLINUX_CMD), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, 249, 0, 0), ERR(ENOSYS));
	assert_int_equal(call(&p, AUDIT_ARCH_I386, 283, 0, 0), ERR(EPERM));
	/* denied in addition, on every ABI, with the errno asked for */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, PTRACE_64, 0, 0), ERR(EACCES));
	assert_int_equal(call(&p, AUDIT_ARCH_I386, PTRACE_32, 0, 0), ERR(EACCES));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, PTRACE_X32 | X32, 0, 0), ERR(EACCES));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, MOUNT_64, 0, 0), ERR(EINVAL));
	assert_int_equal(call(&p, AUDIT_ARCH_I386, MOUNT_32, 0, 0), ERR(EINVAL));
	/* a default entry's errno can be changed */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, 248, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_I386, 286, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, GETPID_64, 0, 0), ALLOW);
	sec_prog_free(&p);

	/* all of ioctl denied: the default command rules do not get in the way */
	memset(c, 0, sizeof(*c));
	strcpy(c->seccomp_deny, "ioctl:ENOTTY");
	assert_int_equal(sec_build(c, &p), 0);
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TCGETS_CMD), ERR(ENOTTY));
	uint32_t sti = call(&p, AUDIT_ARCH_X86_64, IOCTL_64, 0, TIOCSTI_CMD);
	assert_true(sti == ERR(ENOTTY) || sti == ERR(EPERM));
	sec_prog_free(&p);

	/* off: no program, but no_new_privs still applies */
	memset(c, 0, sizeof(*c));
	c->seccomp_off = true;
	c->no_new_privs = true;
	assert_int_equal(sec_build(c, &p), 0);
	assert_null(p.insns);
	assert_true(p.nnp);
	free(c);
}

static void test_bad_entry(void **state)
{
	(void)state;
	if (!sec_available())
		return; /* nothing to run (test_defaults checks the build says so) */
	struct ct_config *c = blank();
	strcpy(c->seccomp_deny, "no_such_call");
	struct sec_prog p;
	cerr_clear();
	assert_true(sec_build(c, &p) < 0);
	assert_null(p.insns);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	cerr_clear();
	free(c);
}

static void test_norm(void **state)
{
	(void)state;
	struct {
		const char *in, *allow, *deny;
	} t[] = {
		{"KEYCTL", "keyctl", "keyctl:EPERM"},
		{"tiocsti", "tiocsti", NULL},
		{"ptrace", NULL, "ptrace:EPERM"},
		{"ptrace:eacces", NULL, "ptrace:EACCES"},
		{"ptrace:13", NULL, "ptrace:EACCES"},
		{"ptrace:200", NULL, "ptrace:200"},
		{"ptrace:0", NULL, NULL},
		{"ptrace:4096", NULL, NULL},
		{"ptrace:EWHAT", NULL, NULL},
		{"ptrace:", NULL, NULL},
		{":EPERM", NULL, NULL},
		{"", NULL, NULL},
		{"../x", NULL, NULL},
		{"open by handle", NULL, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *a = sec_norm_allow(t[i].in), *d = sec_norm_deny(t[i].in);
		if (t[i].allow)
			assert_string_equal(a, t[i].allow);
		else
			assert_null(a);
		if (t[i].deny)
			assert_string_equal(d, t[i].deny);
		else if (sec_available() || strcmp(t[i].in, "tiocsti")) /* a name only libseccomp can tell */
			assert_null(d);
		free(a);
		free(d);
	}
	if (sec_available()) {
		assert_null(sec_norm_deny("no_such_call"));
		assert_null(sec_norm_deny("no_such_call:EPERM"));
	}
}

static struct gconf *fake_gconf(void)
{
	struct gconf *g = xcalloc(1, sizeof(*g));
	g->config_dir = xstrdup("/nonexistent");
	g->userns_default = true;
	g->userns_size = 65536;
	g->stop_timeout = 120;
	return g;
}

static void test_params(void **state)
{
	(void)state;
	struct gconf *g = fake_gconf();
	struct ct_config *c = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, NULL, &c), 0);
	assert_false(c->seccomp_off);
	assert_false(c->no_new_privs);
	const struct param *sc = param_find("seccomp"), *al = param_find("seccomp-allow"), *de = param_find("seccomp_deny"),
			   *nn = param_find("no-new-privs");
	assert_non_null(sc);
	assert_non_null(al);
	assert_non_null(de);
	assert_non_null(nn);
	char buf[64];
	param_print(sc, c, buf, sizeof(buf));
	assert_string_equal(buf, "yes");
	assert_int_equal(param_set(c, sc, "no"), 0);
	assert_true(c->seccomp_off);
	assert_string_equal(ini_get(c->doc, "security", "seccomp"), "no");
	cerr_clear();
	assert_true(param_set(c, sc, "maybe") < 0);
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_int_equal(param_set(c, nn, "yes"), 0);
	assert_true(c->no_new_privs);

	assert_int_equal(param_set(c, al, "keyctl,BPF"), 0);
	assert_int_equal(param_set(c, al, "bpf tiocsti"), 0);
	assert_string_equal(c->seccomp_allow, "keyctl,bpf,tiocsti");
	assert_string_equal(ini_get(c->doc, "security", "seccomp_allow"), "keyctl,bpf,tiocsti");
	cerr_clear();
	assert_true(param_set(c, al, "ptrace") < 0); /* not on the default list */
	assert_int_equal(cerr_exit(), EX_BADVALUE);
	assert_string_equal(c->seccomp_allow, "keyctl,bpf,tiocsti");
	assert_int_equal(param_set(c, al, "none"), 0);
	assert_string_equal(c->seccomp_allow, "");
	assert_null(ini_get(c->doc, "security", "seccomp_allow"));

	assert_int_equal(param_set(c, de, "ptrace"), 0);
	assert_int_equal(param_set(c, de, "personality:ENOSYS,ptrace:EACCES"), 0);
	assert_string_equal(c->seccomp_deny, "ptrace:EACCES,personality:ENOSYS");
	cerr_clear();
	assert_true(param_set(c, de, "ptrace:EACCES,bogus:::") < 0);
	assert_string_equal(c->seccomp_deny, "ptrace:EACCES,personality:ENOSYS");
	/* the list must fit one config line: refused, not cut (the file keeps the last good list) */
	static const char *names[] = {
		"clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "iopl", "ioperm", "kcmp",
		"process_vm_readv", "process_vm_writev", "name_to_handle_at", "move_pages", "mbind",
		"set_mempolicy", "get_mempolicy", "migrate_pages", "fanotify_init", "io_uring_setup",
		"io_uring_enter", "io_uring_register", "quotactl", "vhangup", "pivot_root", "unshare",
		"setns", "chroot", "reboot", "sethostname", "setdomainname", "mount", "umount2", "fsopen",
		"fsmount", "fsconfig", "fspick", "open_tree", "move_mount", "mount_setattr", "sysfs",
		"ustat", "statfs", "fstatfs", "getpriority", "setpriority", "sched_setparam",
		"sched_getparam", "sched_setscheduler", "sched_getscheduler", "mlock", "munlock",
		"mlockall", "munlockall", "modify_ldt", "prctl", "arch_prctl", "sync", "syncfs",
		"fallocate", "timerfd_create", "eventfd2", "inotify_init1", "signalfd4", "epoll_create1",
		"pipe2", "dup3", "preadv", "pwritev", "recvmmsg", "sendmmsg", "getcpu", "memfd_create",
		"execveat", "membarrier", "mlock2", "copy_file_range", "preadv2", "pwritev2",
	};
	char saved[sizeof(c->seccomp_deny)];
	bool refused = false;
	for (size_t i = 0; i < ARRAY_SIZE(names) && !refused; i++) {
		snprintf(saved, sizeof(saved), "%s", c->seccomp_deny);
		cerr_clear();
		if (param_set(c, de, names[i]) < 0) {
			refused = true;
			assert_int_equal(cerr_exit(), EX_BADVALUE);
			assert_string_equal(ini_get(c->doc, "security", "seccomp_deny"), saved);
		}
	}
	assert_true(refused);
	assert_true(strlen(saved) < sizeof(c->seccomp_deny));
	/* and it all loads back from the file */
	char *text = ini_render(c->doc);
	struct ct_config *c2 = NULL;
	assert_int_equal(ctconf_from_doc(g, 101, ini_parse(text), &c2), 0);
	assert_string_equal(c2->seccomp_deny, saved);
	assert_true(c2->seccomp_off);
	assert_true(c2->no_new_privs);
	free(text);
	ctconf_free(c2);
	ctconf_free(c);
	gconf_free(g);
}

/* sysinfo = yes (and nesting no): a second program, the first plus SECCOMP_RET_USER_NOTIF for sysinfo
 * (99 on x86_64, 116 on i386, 99 | x32 bit) and nothing else changed; sysinfo no, nesting yes and
 * seccomp no give none. */
#define RET_NOTIFY 0x7fc00000U
static void test_sysinfo_rule(void **state)
{
	(void)state;
	if (!sec_available())
		return;
	struct ct_config *c = blank();
	struct sec_prog p;
	assert_int_equal(sec_build(c, &p), 0);
	assert_non_null(p.insns);
	assert_non_null(p.ninsns);
	struct sec_prog n = {.insns = p.ninsns, .len = p.nlen};
	assert_int_equal(call(&n, AUDIT_ARCH_X86_64, 99, 0, 0), RET_NOTIFY);
	assert_int_equal(call(&n, AUDIT_ARCH_I386, 116, 0, 0), RET_NOTIFY);
	assert_int_equal(call(&n, AUDIT_ARCH_X86_64, 99 | X32, 0, 0), RET_NOTIFY);
	assert_int_equal(call(&n, AUDIT_ARCH_X86_64, GETPID_64, 0, 0), ALLOW);
	assert_int_equal(call(&n, AUDIT_ARCH_X86_64, 246, 0, 0), ERR(EPERM)); /* kexec_load still denied */
	assert_int_equal(call(&p, AUDIT_ARCH_X86_64, 99, 0, 0), ALLOW);       /* the plain one lets it by */
	sec_prog_free(&p);
	assert_null(p.ninsns);
	c->sysinfo_off = true;
	assert_int_equal(sec_build(c, &p), 0);
	assert_non_null(p.insns);
	assert_null(p.ninsns);
	sec_prog_free(&p);
	c->sysinfo_off = false;
	c->nesting = true;
	assert_int_equal(sec_build(c, &p), 0);
	assert_null(p.ninsns);
	sec_prog_free(&p);
	c->nesting = false;
	c->seccomp_off = true;
	assert_int_equal(sec_build(c, &p), 0);
	assert_null(p.insns);
	assert_null(p.ninsns);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_adjusted), cmocka_unit_test(test_bad_entry),
		cmocka_unit_test(test_norm),     cmocka_unit_test(test_params), cmocka_unit_test(test_sysinfo_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secfilter.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "config.h"
#include "error.h"
#include "log.h"
#include "util.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* What a container never needs, and what has let guests reach the host or read its secrets.
 * The keyring calls answer ENOSYS, as under LXC: systemd and the key tools then act as on a
 * kernel without keys (an EPERM makes some of them fail hard). */
static const struct sec_rule defaults[] = {
	{"kexec_load", "kexec_load", EPERM, 0},
	{"kexec_file_load", "kexec_file_load", EPERM, 0},
	{"init_module", "init_module", EPERM, 0},
	{"finit_module", "finit_module", EPERM, 0},
	{"delete_module", "delete_module", EPERM, 0},
	{"add_key", "add_key", ENOSYS, 0},
	{"request_key", "request_key", ENOSYS, 0},
	{"keyctl", "keyctl", ENOSYS, 0},
	{"open_by_handle_at", "open_by_handle_at", EPERM, 0},
	{"bpf", "bpf", EPERM, 0},
	{"userfaultfd", "userfaultfd", EPERM, 0},
	{"perf_event_open", "perf_event_open", EPERM, 0},
	{"swapon", "swapon", EPERM, 0},
	{"swapoff", "swapoff", EPERM, 0},
	{"acct", "acct", EPERM, 0},
	{"syslog", "syslog", EPERM, 0},
	{"uselib", "uselib", EPERM, 0},
	{"tiocsti", "ioctl", EPERM, TIOCSTI},
	{"tioclinux", "ioctl", EPERM, TIOCLINUX},
};

const struct sec_rule *sec_default_rules(size_t *n)
{
	*n = ARRAY_SIZE(defaults);
	return defaults;
}

static const struct {
	const char *name;
	int err;
} errnos[] = {{"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EIO", EIO},       {"EBADF", EBADF},
	      {"EAGAIN", EAGAIN}, {"ENOMEM", ENOMEM}, {"EACCES", EACCES}, {"EFAULT", EFAULT},
	      {"EBUSY", EBUSY},   {"EEXIST", EEXIST}, {"ENODEV", ENODEV}, {"EINVAL", EINVAL},
	      {"ENOTTY", ENOTTY}, {"ENOSPC", ENOSPC}, {"EROFS", EROFS},   {"ENOSYS", ENOSYS},
	      {"EOPNOTSUPP", EOPNOTSUPP}};

static int errno_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (!strcasecmp(s, errnos[i].name))
			return errnos[i].err;
	unsigned v;
	if (parse_uint(s, 1, 4095, &v) == 0)
		return (int)v;
	return -1;
}

static const char *errno_name(int e)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].err == e)
			return errnos[i].name;
	return NULL;
}

static bool syscall_known(const char *name)
{
	if (!*name || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return false;
#ifdef HAVE_SECCOMP
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
#else
	return true;
#endif
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

char *sec_norm_allow(const char *entry)
{
	_cleanup_free_ char *n = lower_dup(entry);
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!strcmp(n, defaults[i].name))
			return xstrdup(defaults[i].name);
	return NULL;
}

char *sec_norm_deny(const char *entry)
{
	_cleanup_free_ char *n = lower_dup(entry);
	char *colon = strchr(n, ':');
	int err = EPERM;
	if (colon) {
		*colon = 0;
		if ((err = errno_parse(colon + 1)) < 0)
			return NULL;
	}
	if (!syscall_known(n))
		return NULL;
	const char *en = errno_name(err);
	return en ? xasprintf("%s:%s", n, en) : xasprintf("%s:%d", n, err);
}

bool sec_available(void)
{
#ifdef HAVE_SECCOMP
	return true;
#else
	return false;
#endif
}

void sec_prog_free(struct sec_prog *p)
{
	free(p->insns);
	free(p->ninsns);
	p->insns = p->ninsns = NULL;
	p->len = p->nlen = 0;
}

#ifdef HAVE_SECCOMP
/* Is name in the comma/space separated list? */
static bool in_list(const char *list, const char *name, size_t nlen)
{
	for (const char *p = list; p && *p;) {
		p += strspn(p, ", \t");
		size_t l = strcspn(p, ", \t");
		size_t k = strcspn(p, ":, \t"); /* the name part of NAME:ERRNO */
		if (l && k == nlen && !strncmp(p, name, nlen))
			return true;
		p += l;
	}
	return false;
}

/* The compat architectures the kernel also accepts syscalls from, per native architecture. */
static void add_arches(scmp_filter_ctx ctx)
{
	uint32_t native = seccomp_arch_native();
	uint32_t extra[2] = {0, 0};
	if (native == SCMP_ARCH_X86_64) {
		extra[0] = SCMP_ARCH_X86;
		extra[1] = SCMP_ARCH_X32;
	} else if (native == SCMP_ARCH_AARCH64) {
		extra[0] = SCMP_ARCH_ARM;
	} else if (native == SCMP_ARCH_S390X) {
		extra[0] = SCMP_ARCH_S390;
	} else if (native == SCMP_ARCH_PPC64LE) {
		extra[0] = SCMP_ARCH_PPC64; /* never both at run time, but harmless */
	}
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++)
		if (extra[i] && seccomp_arch_exist(ctx, extra[i]) == -EEXIST)
			seccomp_arch_add(ctx, extra[i]);
}

static int add_rule(scmp_filter_ctx ctx, const char *name, int err, unsigned long cmd)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return cerr(EX_BADVALUE, 0, "seccomp: unknown system call %s", name);
	int r;
	if (cmd)
		/* the kernel reads an ioctl command as 32 bits: compare only those, or a command
		 * with junk in the upper half would slip by */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)err), nr, 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, (scmp_datum_t)cmd));
	else
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)err), nr, 0);
	if (r < 0)
		return cerr(EX_BADVALUE, r, "seccomp: add the rule for %s", name);
	return 0;
}

static int export_prog(scmp_filter_ctx ctx, struct sock_filter **insns, unsigned short *len)
{
	_cleanup_close_ int fd = memfd_create("cellctl-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "seccomp: export the filter");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cerr(EX_SYSTEM, EINVAL, "seccomp: the filter has a bad size (%lld bytes)", (long long)size);
	*insns = xmalloc((size_t)size);
	for (off_t done = 0; done < size;) {
		ssize_t n = pread(fd, (char *)*insns + done, (size_t)(size - done), done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(*insns);
			*insns = NULL;
			return cerr(EX_SYSTEM, n < 0 ? errno : EIO, "seccomp: read the filter");
		}
		done += n;
	}
	*len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	return 0;
}
#endif

int sec_build(const struct ct_config *c, struct sec_prog *p)
{
	memset(p, 0, sizeof(*p));
	p->nnp = c && c->no_new_privs;
	if (c && c->seccomp_off)
		return 0;
	/* nesting: the guest may need a listener of its own (a container manager inside), and the
	 * kernel allows one per filter chain */
	bool sysinfo = !c || (!c->sysinfo_off && !c->nesting);
#ifndef HAVE_SECCOMP
	p->missing = true;
	return 0;
#else
	const char *allow = c ? c->seccomp_allow : NULL, *deny = c ? c->seccomp_deny : NULL;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return cerr(EX_SYSTEM, ENOMEM, "seccomp: init");
	add_arches(ctx);
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(defaults) && r == 0; i++) {
		const struct sec_rule *d = &defaults[i];
		if (in_list(allow, d->name, strlen(d->name)))
			continue;
		/* a seccomp_deny entry for the same call decides its errno */
		if (!d->ioctl_cmd && in_list(deny, d->syscall, strlen(d->syscall)))
			continue;
		r = add_rule(ctx, d->syscall, d->err, d->ioctl_cmd);
	}
	for (const char *q = deny; q && *q && r == 0;) {
		q += strspn(q, ", \t");
		size_t l = strcspn(q, ", \t");
		if (!l)
			break;
		_cleanup_free_ char *ent = xstrndup(q, l);
		q += l;
		_cleanup_free_ char *norm = sec_norm_deny(ent);
		if (!norm) {
			r = cerr(EX_BADVALUE, 0, "seccomp_deny: invalid entry '%s'", ent);
			break;
		}
		char *colon = strchr(norm, ':');
		*colon = 0;
		r = add_rule(ctx, norm, errno_parse(colon + 1), 0);
	}
	if (r == 0)
		r = export_prog(ctx, &p->insns, &p->len);
	if (r == 0 && sysinfo) {
		/* every architecture of the filter: the monitor answers the native one and lets the
		 * kernel answer the others (their struct sysinfo differs) */
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name("sysinfo"), 0) < 0)
			log_file_only("seccomp: this libseccomp or kernel has no user notification: no sysinfo view");
		else
			r = export_prog(ctx, &p->ninsns, &p->nlen);
	}
	if (r < 0)
		sec_prog_free(p);
	seccomp_release(ctx);
	return r;
#endif
}

int sec_load(const struct sec_prog *p, int *listener)
{
	bool plain = true;
	if (listener) {
		*listener = -1;
		if (p->ninsns) {
			struct sock_fprog fp = {.len = p->nlen, .filter = p->ninsns};
			long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
			if (fd >= 0) {
				*listener = (int)fd;
				plain = false;
			} else {
				/* EBUSY: a listener exists up the chain; EINVAL: a kernel without
				 * listeners. Either way the plain program, and the kernel's sysinfo */
				*listener = -errno;
			}
		}
	}
	if (plain && p->insns) {
		struct sock_fprog fp = {.len = p->len, .filter = p->insns};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			return -errno;
	}
	if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* ---- exec/enter ---- */
static struct sec_prog exec_prog;
static bool exec_ready;

int sec_exec_prepare(const struct ct_config *c)
{
	sec_prog_free(&exec_prog);
	exec_ready = false;
	int r = sec_build(c, &exec_prog);
	if (r < 0)
		return r;
	exec_ready = true;
	if (exec_prog.missing)
		log_file_only("cellctl was built without libseccomp: exec runs without a syscall filter");
	return 0;
}

bool sec_exec_wants_listener(void)
{
	return exec_ready && exec_prog.ninsns;
}

int sec_exec_apply(int *listener)
{
	int r;
	if (!exec_ready && (r = sec_exec_prepare(NULL)) < 0)
		return r;
	r = sec_load(&exec_prog, listener);
	if (r < 0)
		return cerr(EX_EXECFAIL, r, "apply the container's syscall filter (seccomp, no_new_privs)");
	return 0;
}

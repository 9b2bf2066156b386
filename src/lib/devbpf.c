/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The devices allowlist as a BPF_PROG_TYPE_CGROUP_DEVICE program: rule parsing, a pure program
 * builder, and a thin bpf() syscall layer (load, attach with BPF_F_REPLACE, query). */
#include "devbpf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "util.h"

#define PROG_NAME "cellctl_dev"

/* the rule bits go into the program as immediates: they must be the kernel's */
_Static_assert((int)DEVACC_MKNOD == (int)BPF_DEVCG_ACC_MKNOD && (int)DEVACC_READ == (int)BPF_DEVCG_ACC_READ &&
		       (int)DEVACC_WRITE == (int)BPF_DEVCG_ACC_WRITE,
	       "DEVACC_* != BPF_DEVCG_ACC_*");
_Static_assert((int)DEVTYPE_BLOCK == (int)BPF_DEVCG_DEV_BLOCK && (int)DEVTYPE_CHAR == (int)BPF_DEVCG_DEV_CHAR,
	       "DEVTYPE_* != BPF_DEVCG_DEV_*");

/* ---- rule parsing ---- */

static int parse_access(const char *s, unsigned *out)
{
	unsigned a = 0;
	if (!*s)
		return -EINVAL;
	if (strcmp(s, "none") == 0 || strcmp(s, "-") == 0) {
		*out = 0;
		return 0;
	}
	for (; *s; s++) {
		switch (*s) {
		case 'r': a |= DEVACC_READ; break;
		case 'w': a |= DEVACC_WRITE; break;
		case 'm': a |= DEVACC_MKNOD; break;
		case 'q': break; /* vzctl's quota bit: no meaning here */
		default: return -EINVAL;
		}
	}
	*out = a;
	return 0;
}

static int parse_devnum(const char *s, int *out)
{
	if (strcmp(s, "*") == 0) {
		*out = DEV_ANY;
		return 0;
	}
	unsigned v;
	/* minor numbers are 20 bits, majors 12; accept anything that fits the kernel's u32 */
	if (parse_uint(s, 0, INT_MAX, &v) < 0)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_type(const char *s, int *out)
{
	if (strcmp(s, "c") == 0)
		*out = DEVTYPE_CHAR;
	else if (strcmp(s, "b") == 0)
		*out = DEVTYPE_BLOCK;
	else if (strcmp(s, "a") == 0 || strcmp(s, "all") == 0)
		*out = DEVTYPE_ALL;
	else
		return -EINVAL;
	return 0;
}

/* Forms: TYPE:MAJ:MIN:ACC, TYPE:all:ACC, all:ACC (TYPE b, c or a; MAJ/MIN number or '*'). */
int dev_rule_parse(const char *s, struct dev_rule *out)
{
	if (!s)
		return -EINVAL;
	_cleanup_free_ char *buf = xstrdup(s);
	char *f[5];
	unsigned n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (n == ARRAY_SIZE(f))
			return -EINVAL;
		f[n++] = t;
	}
	/* strtok_r collapses "::"; reject empty fields explicitly */
	if (strstr(s, "::") || s[0] == ':' || (*s && s[strlen(s) - 1] == ':'))
		return -EINVAL;
	struct dev_rule r = {.type = DEVTYPE_ALL, .major = DEV_ANY, .minor = DEV_ANY};
	const char *acc;
	if (n == 2 && strcmp(f[0], "all") == 0) {
		acc = f[1];
	} else if (n == 3 && strcmp(f[1], "all") == 0) {
		if (parse_type(f[0], &r.type) < 0)
			return -EINVAL;
		acc = f[2];
	} else if (n == 4) {
		if (parse_type(f[0], &r.type) < 0 || parse_devnum(f[1], &r.major) < 0 ||
		    parse_devnum(f[2], &r.minor) < 0)
			return -EINVAL;
		if (r.major == DEV_ANY && r.minor != DEV_ANY)
			return -EINVAL; /* "c:*:5" is meaningless */
		acc = f[3];
	} else {
		return -EINVAL;
	}
	if (parse_access(acc, &r.access) < 0)
		return -EINVAL;
	*out = r;
	return 0;
}

/* Append a rule for each entry of the list s, made by one(); *bad (when not NULL) gets a copy of
 * the entry one() refused. */
static int parse_entries(const char *s, int (*one)(const char *, struct dev_rule *), struct dev_rule *rules, size_t max,
			 size_t *n, char **bad)
{
	if (!s)
		return 0;
	_cleanup_free_ char *buf = xstrdup(s);
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t\n,;", &save); t; t = strtok_r(NULL, " \t\n,;", &save)) {
		if (*n >= max)
			return -ENOSPC;
		int r = one(t, &rules[*n]);
		if (r < 0) {
			if (bad)
				*bad = xstrdup(t);
			return r;
		}
		(*n)++;
	}
	return 0;
}

int dev_rules_parse_list(const char *s, struct dev_rule *rules, size_t max, size_t *n)
{
	return parse_entries(s, dev_rule_parse, rules, max, n, NULL);
}

int dev_rule_from_node(const char *s, struct dev_rule *out)
{
	if (!s)
		return -EINVAL;
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -EINVAL;
	_cleanup_free_ char *name = xstrndup(s, (size_t)(colon - s));
	if (name[0] == '/' || strstr(name, ".."))
		return -EINVAL;
	unsigned acc;
	if (parse_access(colon + 1, &acc) < 0)
		return -EINVAL;
	_cleanup_free_ char *path = xasprintf("/dev/%s", name);
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISCHR(st.st_mode))
		out->type = DEVTYPE_CHAR;
	else if (S_ISBLK(st.st_mode))
		out->type = DEVTYPE_BLOCK;
	else
		return -ENODEV;
	out->major = (int)major(st.st_rdev);
	out->minor = (int)minor(st.st_rdev);
	out->access = acc;
	return 0;
}

size_t dev_default_rules(struct dev_rule *rules, size_t max)
{
	static const struct dev_rule defs[] = {
		{DEVTYPE_CHAR, DEV_ANY, DEV_ANY, DEVACC_MKNOD},
		{DEVTYPE_BLOCK, DEV_ANY, DEV_ANY, DEVACC_MKNOD},
		{DEVTYPE_CHAR, 1, 3, 7},   /* null */
		{DEVTYPE_CHAR, 1, 5, 7},   /* zero */
		{DEVTYPE_CHAR, 1, 7, 7},   /* full */
		{DEVTYPE_CHAR, 1, 8, 7},   /* random */
		{DEVTYPE_CHAR, 1, 9, 7},   /* urandom */
		{DEVTYPE_CHAR, 5, 0, 7},   /* tty */
		{DEVTYPE_CHAR, 5, 1, 7},   /* console */
		{DEVTYPE_CHAR, 5, 2, 7},   /* ptmx */
		{DEVTYPE_CHAR, 136, DEV_ANY, 7}, /* pts/N */
	};
	size_t n = ARRAY_SIZE(defs) < max ? ARRAY_SIZE(defs) : max;
	memcpy(rules, defs, n * sizeof(defs[0]));
	return n;
}

int dev_rules_collect(const char *devices, const char *devnodes, struct dev_rule *rules, size_t max, size_t *n)
{
	*n = dev_default_rules(rules, max);
	int r = dev_rules_parse_list(devices, rules, max, n);
	if (r < 0)
		return cerr(EX_DEVICES, r, "parse devices \"%s\"", devices);
	_cleanup_free_ char *bad = NULL;
	r = parse_entries(devnodes, dev_rule_from_node, rules, max, n, &bad);
	if (r == -ENOSPC)
		return cerr(EX_DEVICES, ENOSPC, "too many device rules");
	if (r < 0)
		return cerr(EX_DEVICES, r, "devnodes \"%s\"", bad);
	return 0;
}

const char *dev_rule_v1(const struct dev_rule *r, char *buf, size_t len)
{
	char mj[16], mn[16];
	snprintf(mj, sizeof(mj), r->major == DEV_ANY ? "*" : "%d", r->major);
	snprintf(mn, sizeof(mn), r->minor == DEV_ANY ? "*" : "%d", r->minor);
	/* a rule granting nothing denies every access */
	unsigned acc = r->access ? r->access : DEVACC_READ | DEVACC_WRITE | DEVACC_MKNOD;
	snprintf(buf, len, "%s %s:%s %s%s%s", r->type == DEVTYPE_ALL ? "a" : r->type == DEVTYPE_CHAR ? "c" : "b", mj, mn,
		 acc & DEVACC_READ ? "r" : "", acc & DEVACC_WRITE ? "w" : "", acc & DEVACC_MKNOD ? "m" : "");
	return r->access ? "devices.allow" : "devices.deny";
}

/* ---- the pure builder ---- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static size_t rule_len(const struct dev_rule *r)
{
	size_t n = 2; /* r0 = verdict; exit */
	if (r->type != DEVTYPE_ALL)
		n++;
	if (r->access && (~r->access & 7))
		n++;
	if (r->major != DEV_ANY)
		n++;
	if (r->minor != DEV_ANY)
		n++;
	return n;
}

int devbpf_build(const struct dev_rule *rules, size_t n, struct bpf_insn *out, size_t max)
{
	size_t need = 6 + 2;
	for (size_t i = 0; i < n; i++)
		need += rule_len(&rules[i]);
	if (need > max || need > 4096)
		return -ENOSPC;
	size_t k = 0;
	/* r2 = type, r3 = access bits, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx) */
	out[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	out[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	out[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	out[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	out[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	out[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	/* Later rules take priority: test them first. A block's tests jump to the next block. */
	for (size_t i = n; i-- > 0;) {
		const struct dev_rule *r = &rules[i];
		size_t end = k + rule_len(r);
#define SKIP ((short)(end - k - 1))
		if (r->type != DEVTYPE_ALL) {
			out[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, SKIP, r->type);
			k++;
		}
		/* an allow rule matches only when every requested bit is granted; a deny ("none")
		 * rule matches any access */
		if (r->access && (~r->access & 7)) {
			out[k] = INSN(BPF_JMP | BPF_JSET | BPF_K, BPF_REG_3, 0, SKIP, (int)(~r->access & 7));
			k++;
		}
		if (r->major != DEV_ANY) {
			out[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, SKIP, r->major);
			k++;
		}
		if (r->minor != DEV_ANY) {
			out[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, SKIP, r->minor);
			k++;
		}
#undef SKIP
		out[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->access ? 1 : 0);
		out[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		/* a rule without tests ("all:rwm") decides everything: the verifier rejects
		 * unreachable code after it */
		if (rule_len(r) == 2)
			return (int)k;
	}
	out[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	out[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return (int)k;
}

/* ---- bpf() ---- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

int devbpf_load(const struct bpf_insn *insns, size_t n)
{
	static const char license[] = "GPL";
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	memcpy(a.prog_name, PROG_NAME, sizeof(PROG_NAME));
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		/* keep it out of the fd range a child might inherit by accident */
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		log_debug("loaded devices program (%zu insns), fd %d", n, fd);
		return fd;
	}
	int e = fd;
	if (e == -EPERM)
		return cerr(EX_DEVICES, e, "load devices BPF program (needs CAP_BPF/CAP_SYS_ADMIN)");
	/* retry with a verifier log so the error says why */
	_cleanup_free_ char *logbuf = xcalloc(1, 65536);
	a.log_buf = (uint64_t)(uintptr_t)logbuf;
	a.log_size = 65536;
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	if (logbuf[0])
		log_error("BPF verifier: %s", logbuf);
	return cerr(EX_DEVICES, e, "load devices BPF program");
}

int devbpf_attach(int cgfd, int prog_fd, int old_prog_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (old_prog_fd >= 0) {
		a.attach_flags |= BPF_F_REPLACE;
		a.replace_bpf_fd = (uint32_t)old_prog_fd;
	}
	int r = sys_bpf(BPF_PROG_ATTACH, &a);
	if (r < 0)
		return cerr(EX_DEVICES, r, "attach devices BPF program%s", old_prog_fd >= 0 ? " (replace)" : "");
	log_debug("attached devices program fd %d to cgroup fd %d%s", prog_fd, cgfd,
		  old_prog_fd >= 0 ? " replacing the old one" : "");
	return 0;
}

static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

static bool prog_is_ours(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return false;
	return strncmp(info.name, PROG_NAME, sizeof(info.name)) == 0;
}

int devbpf_query_fd(int cgfd)
{
	uint32_t ids[64];
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = ARRAY_SIZE(ids);
	int r = sys_bpf(BPF_PROG_QUERY, &a);
	if (r < 0)
		return r;
	uint32_t cnt = a.query.prog_cnt < ARRAY_SIZE(ids) ? a.query.prog_cnt : ARRAY_SIZE(ids);
	int first = -ENOENT;
	/* prefer a program we named; otherwise the first device program attached here */
	for (uint32_t i = 0; i < cnt; i++) {
		int fd = prog_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		if (prog_is_ours(fd)) {
			if (first >= 0)
				close(first);
			return fd;
		}
		if (first < 0)
			first = fd;
		else
			close(fd);
	}
	return first;
}

int devbpf_apply(int cgfd, const char *devices, const char *devnodes)
{
	struct dev_rule rules[DEV_MAX_RULES];
	size_t n = 0;
	int r = dev_rules_collect(devices, devnodes, rules, ARRAY_SIZE(rules), &n);
	if (r < 0)
		return r;
	struct bpf_insn insns[4096];
	int ni = devbpf_build(rules, n, insns, ARRAY_SIZE(insns));
	if (ni < 0)
		return cerr(EX_DEVICES, ni, "build devices program");
	_cleanup_close_ int prog = devbpf_load(insns, (size_t)ni);
	if (prog < 0)
		return prog;
	_cleanup_close_ int old = devbpf_query_fd(cgfd);
	if (old < 0 && old != -ENOENT)
		log_debug("query devices programs: %s", strerror(-old));
	/* the kernel keeps the program alive while attached; our fds can go */
	return devbpf_attach(cgfd, prog, old >= 0 ? old : -1);
}

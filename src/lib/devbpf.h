/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The devices allowlist as a BPF_PROG_TYPE_CGROUP_DEVICE program: built by a pure function, loaded
 * and attached with the bpf() syscall to the unified limit cgroup. */
#pragma once
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#define DEV_ANY (-1)
#define DEV_MAX_RULES 256 /* defaults, devices and devnodes of one container */
enum { DEVACC_MKNOD = 1, DEVACC_READ = 2, DEVACC_WRITE = 4 }; /* = BPF_DEVCG_ACC_* */
enum { DEVTYPE_BLOCK = 1, DEVTYPE_CHAR = 2, DEVTYPE_ALL = 3 };  /* = BPF_DEVCG_DEV_* (ALL = both) */

struct dev_rule {
	int type;      /* DEVTYPE_* */
	int major, minor; /* DEV_ANY for '*' */
	unsigned access;  /* DEVACC_* bits; 0 = deny ("none") */
};

/* Parse vzctl syntax "b|c:MAJOR:MINOR|all:[r][w][m]|none" (major/minor may be '*'); also
 * "all:rwm". -EINVAL on bad syntax. */
int dev_rule_parse(const char *s, struct dev_rule *out);
/* Parse a whitespace/comma separated list into rules (appending). */
int dev_rules_parse_list(const char *s, struct dev_rule *rules, size_t max, size_t *n);
/* Map a devnodes entry "net/tun:rw" to a rule by stat()ing /dev/NAME on the host. */
int dev_rule_from_node(const char *s, struct dev_rule *out);
/* The default allowlist (null zero full random urandom tty console ptmx pts/N, plus mknod of any
 * char and block device). */
size_t dev_default_rules(struct dev_rule *rules, size_t max);
/* The rules of one container, in order: the defaults, then devices (vzctl syntax), then devnodes
 * (as dev_rule_from_node). cerr EX_DEVICES on a bad entry, or ENOSPC past max. */
int dev_rules_collect(const char *devices, const char *devnodes, struct dev_rule *rules, size_t max, size_t *n);
/* The v1 devices cgroup form of rule r ("c 1:3 rwm", "a *:* m") into buf; returns the file it goes
 * to: "devices.allow", or "devices.deny" for a rule granting nothing (which then denies rwm).
 * Pure. */
const char *dev_rule_v1(const struct dev_rule *r, char *buf, size_t len);
/* Build the program: later rules override earlier ones for the same device (container rules
 * come after the defaults, so "c:10:200:none" removes a grant). Default deny.
 * Returns the number of instructions written, or -ENOSPC. Pure. */
int devbpf_build(const struct dev_rule *rules, size_t n, struct bpf_insn *out, size_t max);
/* Load the program; returns the prog fd or -errno (cerr EX_DEVICES). */
int devbpf_load(const struct bpf_insn *insns, size_t n);
/* Attach to cgroup fd with BPF_F_ALLOW_MULTI, replacing old_prog_fd atomically when >= 0
 * (BPF_F_REPLACE). */
int devbpf_attach(int cgfd, int prog_fd, int old_prog_fd);
/* Find the program currently attached by us to cgfd (first CGROUP_DEVICE prog), fd or -ENOENT. */
int devbpf_query_fd(int cgfd);
/* Build from a config's devices/devnodes and load+attach (replacing what is attached). */
int devbpf_apply(int cgfd, const char *devices, const char *devnodes);

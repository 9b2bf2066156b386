/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's syscall filter (seccomp): a default deny-list in the spirit of LXC's and
 * Docker's, adjusted per container ([security] seccomp, seccomp_allow, seccomp_deny,
 * no_new_privs), built with libseccomp into a classic BPF program for the native architecture
 * and its compat ones (x86_64: i386 and x32 too, so a 32-bit entry cannot bypass it), loaded
 * into init right before it is executed and into every exec/enter command. */
#pragma once
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

struct ct_config;

/* One entry of the default deny-list: a syscall, or an ioctl command of one (ioctl_cmd != 0).
 * name is what seccomp_allow takes. */
struct sec_rule {
	const char *name;
	const char *syscall;
	int err; /* the errno the call fails with */
	unsigned long ioctl_cmd;
};
const struct sec_rule *sec_default_rules(size_t *n);

/* Is the filter compiled in (libseccomp at build time)? */
bool sec_available(void);

/* Validate one entry (params.c). allow: a name of the default list; deny: NAME[:ERRNO], NAME a
 * syscall libseccomp knows, ERRNO a name (EPERM) or 1..4095, EPERM when left out. Returns the
 * normalized entry (malloc'd: "keyctl", "ptrace:EACCES") or NULL when invalid. */
char *sec_norm_allow(const char *entry);
char *sec_norm_deny(const char *entry);

struct sec_prog {
	struct sock_filter *insns; /* NULL: no filter */
	unsigned short len;
	/* the same program plus the sysinfo rule (SECCOMP_RET_USER_NOTIF, answered by the monitor:
	 * sysnotif.h) when the config says sysinfo = yes; NULL otherwise */
	struct sock_filter *ninsns;
	unsigned short nlen;
	bool nnp;      /* also set no_new_privs */
	bool missing;  /* the config asks for a filter, but cellctl was built without libseccomp */
};

/* Build the program for a container config (NULL: the defaults). Pure apart from libseccomp:
 * nothing is loaded. 0 on success (p->insns NULL when the filter is off or missing; p->ninsns
 * set when the sysinfo rule applies: sysinfo yes, nesting no); a negative errno with cerr
 * (EX_BADVALUE) when an entry is invalid. */
int sec_build(const struct ct_config *c, struct sec_prog *p);
void sec_prog_free(struct sec_prog *p);
/* Load the program into the calling thread and set no_new_privs when asked. Needs
 * CAP_SYS_ADMIN in the caller's user namespace (or no_new_privs already set). -errno, no cerr
 * (the caller knows which exit code fits). listener non-NULL and a sysinfo program: that one is
 * loaded with a new listener, whose fd (close-on-exec) goes to *listener; when the kernel refuses
 * a second listener in the task's filter chain (EBUSY: a nested container, or cellctl itself
 * running under one) the plain program is loaded and *listener is -EBUSY (-errno likewise for
 * any other refusal of that program, such as a kernel without listeners). Otherwise *listener
 * is -1. */
int sec_load(const struct sec_prog *p, int *listener);

/* exec/enter: build the container's program before joining it (the config is read on the host),
 * then load it in the child that becomes the guest's root. Apply without a prepare uses the
 * defaults. sec_exec_wants_listener: the prepared program has the sysinfo rule. listener as for
 * sec_load (NULL: the plain program). */
int sec_exec_prepare(const struct ct_config *c);
bool sec_exec_wants_listener(void);
int sec_exec_apply(int *listener);

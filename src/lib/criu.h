/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRIU, the checkpoint/restore tool: its version and kernel gate, the argv of its binary (pure),
 * running it, and the restore of a container's tree (the monitor's half of `cellctl restore`). */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

struct criu_version {
	unsigned major, minor, sub;
};

/* Pure: the version out of `criu --version`'s text ("Version: 3.17.1" ...). 0, or -EINVAL. */
int criu_version_parse(const char *text, struct criu_version *v);
/* Pure: major and minor of a kernel release ("6.1.0-57-amd64"). 0, or -EINVAL. */
int criu_kernel_parse(const char *release, unsigned *major, unsigned *minor);
/* Pure: can this CRIU checkpoint on this kernel? NULL when it can, else the reason (static text):
 * CRIU older than 3.15, or a kernel of 6.13 or newer (its vDSO layout changed) with CRIU older
 * than 4.1. */
const char *criu_gate(const struct criu_version *v, unsigned kmajor, unsigned kminor);

/* One bridged interface of the container, as CRIU recreates it at restore. */
struct criu_veth {
	const char *guest;  /* eth0 */
	const char *host;   /* veth101.0 */
	const char *bridge; /* may be NULL or "" */
};

struct criu_req {
	bool restore;             /* criu restore, else criu dump */
	const char *images;       /* -D: the checkpoint's directory */
	const char *log;          /* -o: the log's name in that directory */
	pid_t pid;                /* dump: the container's init (-t) */
	const char *root;         /* restore: the container's root (--root) */
	const char *tty_id;       /* the console's "tty[RDEV:DEV]" (external to the dump), or NULL */
	int tty_fd;               /* restore: the new console's slave, inherited as the tty above */
	const char *console_path; /* restore: the new console's slave as a path (bound on /dev/console) */
	const struct criu_veth *veths;
	unsigned nveth;            /* restore: the veths CRIU recreates */
	const char *pidfile;       /* restore: where CRIU writes the restored init's pid */
	const char *freeze_cgroup; /* dump: freeze through this cgroup (the container's), or NULL */
	bool tcp_established;      /* checkpoint established TCP connections (--tcp-established) */
	/* restore: the cgroups the tree goes into (--cgroup-root): cgroup_root ("/path", relative to
	 * each hierarchy's root) for every controller, then "controller:/path" each for those whose
	 * path differs; NULL/0: the dumped paths (which name the source host's cgroups) */
	const char *cgroup_root;
	const char *const *cgroup_roots;
	unsigned ncgroup_root;
};

/* Pure: the argv (argv[0] = bin) of `criu dump|restore` for req; free with criu_argv_free. NULL when
 * req lacks what its action needs (images; dump: pid; restore: root, pidfile), or a string has a
 * character that would change the meaning of CRIU's option syntax (':', '@', '[', ']', ',', '='
 * in interface names and paths; ':' or a relative path in a cgroup root's path). */
char **criu_argv(const char *bin, const struct criu_req *req);
void criu_argv_free(char **argv);

/* The criu binary: $CELLCTL_CRIU, else criu in /usr/sbin, /sbin, /usr/local/sbin, /usr/bin.
 * A malloc'd path, or NULL when there is none. */
char *criu_binary(void);

/* Can CRIU checkpoint and restore here? Runs `criu --version` (the gate above, against this
 * kernel) and `criu check`. 0, or EX_BADKERNEL with the reason (no criu binary, too old for this
 * kernel, or what `criu check` said). *bin gets the binary's path on success (malloc'd). */
int criu_host_check(char **bin);

/* Run argv (a criu command): fds in keep stay open in it (at their numbers), stdin is /dev/null,
 * stdout and stderr are collected into *out (malloc'd, at most 16 KiB), or go to /dev/null when
 * out is NULL. Returns its exit status (0 and up), or -errno when it could not run. */
int criu_run(char **argv, const int *keep, unsigned nkeep, char **out);

/* The checkpoint's record of what the restore must hand back (in DIR/cellctl-checkpoint):
 * the console's tty id and whether TCP connections were kept. */
int criu_meta_write(const char *dir, const char *tty_id, bool tcp_established);
int criu_meta_read(const char *dir, char *tty_id, size_t len, bool *tcp_established);

/* The monitor's restore: a new console pty (its slave owned by the container's root), then
 * `criu restore --restore-sibling --restore-detached` from the checkpoint in dir into root, so that
 * the restored init is the caller's child, in the leaves of cg (this start's cgroups: not the
 * paths the checkpoint recorded, which are another host's after a migration). Fills *pid (init)
 * and *console_master. 0, or EX_RESTORE with CRIU's reason (the tail of its log). */
struct cg_paths;
int criu_restore_tree(const struct gconf *g, const struct ct_config *c, const struct cg_paths *cg, const char *dir,
		      const char *root, pid_t *pid, int *console_master);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error reporting: library code records one error (message + documented exit code) and returns a
 * negative errno; main() prints it once and exits with the code. */
#pragma once
#include <stdarg.h>

/* vzctl-compatible exit codes (see man/cellctl.8). */
enum {
	EX_OK = 0,
	EX_FAIL = 1,          /* generic failure / nothing found (list) */
	EX_SYSTEM = 3,        /* system error */
	EX_BADKERNEL = 5,     /* the kernel lacks something we need */
	EX_RESOURCE = 6,      /* resource limit error */
	EX_ENVCREATE = 7,     /* container environment could not be created */
	EX_EXECFAIL = 8,      /* command could not be executed inside */
	EX_LOCKED = 9,        /* container locked by another cellctl */
	EX_NOGCONF = 10,      /* global config not found or unreadable */
	EX_CHANGEPASS = 12,   /* a guest's password or SSH key could not be set (set --userpasswd, --ssh-key) */
	EX_CAPS = 13,         /* cannot set capabilities */
	EX_NOCONF = 14,       /* container config (or sample) not found */
	EX_BADSYNTAX = 20,    /* invalid parameter syntax (bad CTID, unknown option) */
	EX_BADVALUE = 21,     /* invalid parameter value */
	EX_NOTENOUGH = 27,    /* not enough parameters */
	EX_NOTRUNNING = 31,   /* container not running */
	EX_RUNNING = 32,      /* container running */
	EX_STOPERR = 33,      /* could not stop */
	EX_CGFOREIGN = 38,    /* the container's cgroup is not ours: it holds processes start did not
	                       * put there, or it is not the cgroup recorded at start */
	EX_NOPRIVATE = 43,    /* private area missing */
	EX_PRIVEXISTS = 44,   /* private area (or container) exists */
	EX_BADTEMPLATE = 47,  /* bad template or no init */
	EX_CANTMOUNT = 50,    /* mount failed */
	EX_DELPRIVATE = 52,   /* could not delete private area */
	EX_BADHOSTNAME = 70,
	EX_BADIP = 71,
	EX_BADDNS = 72,
	EX_BADSEARCH = 73,
	EX_IPINUSE = 78,
	EX_ACTIONSCRIPT = 79, /* an action script failed, timed out or was refused (unsafe file) */
	EX_BADCONFIG = 85,    /* malformed config file */
	EX_DEVICES = 86,      /* cannot set devices */
	EX_NOTEMPLATE = 91,   /* template not found */
	EX_TPLINUSE = 92,     /* template in use: containers use its tree, templates name it as parent */
	EX_NETDEV = 104,
	EX_DISABLED = 105,    /* start refused: container disabled */
	EX_VETH = 130,
	EX_CONFSAVE = 139,    /* config save error */
	EX_IOLIMIT = 148,
	EX_TIMEOUT = 15,      /* timed out waiting (start --wait, exec) */
	EX_LAYOUT = 89,       /* the container's layout does not allow it (flatten of a copy, clone of a copy to overlay) */
	EX_FREEZE = 16,       /* suspend or resume failed (vzctl: checkpoint failed) */
	EX_RESTORE = 17,      /* restore-backup failed: not a backup, corrupt, truncated, newer format, bad checksum */
	EX_SUSPENDED = 18,    /* the container is suspended (exec, enter, a second suspend) */
	EX_MIGRATE = 160,     /* migrate: the copy or the start on the destination failed (source as before) */
	EX_MIGREFUSED = 161,  /* migrate: the destination refused or was not reached (source untouched) */
	EX_MIGONLINE = 162,   /* migrate --online: CRIU cannot checkpoint here or restore there (source untouched) */
};

/* Record an error. errnum is a positive or negative errno (0: none, no strerror appended).
 * Returns -|errnum| (or -EINVAL when errnum is 0) so callers can `return cerr(...)`.
 * The first error recorded wins until cerr_clear(); later ones add context only in the log. */
int cerr(int exitcode, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like cerr but always replaces a previous error. */
int cerr_replace(int exitcode, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *cerr_msg(void);  /* NULL when no error was recorded */
int cerr_exit(void);         /* the recorded exit code, EX_SYSTEM when none */
/* The helper report protocol (cellctl-monitor, cellctl-archive -> cellctl): one write of "0 ok"
 * when r >= 0, else "CODE message" from the recorded error. */
void cerr_report_write(int fd, int r);
/* Read a report: 0 for "0 ok"; for "CODE message" the error is recorded and a negative errno
 * returned; -ENODATA when the helper wrote nothing (it died: the caller says so). */
int cerr_report_read(int fd);
void cerr_clear(void);
/* Add context on the way out, in the spirit of crun_error_wrap: the recorded message becomes
 * "CONTEXT: message" (e.g. cerr_wrap(r, 0, "while applying limits of CT %u", ctid)). exitcode 0
 * keeps the recorded exit code, another value replaces it. With no error recorded, records
 * "CONTEXT: strerror(r)" (exit code EX_SYSTEM when exitcode is 0). Returns r (-EINVAL when r >= 0). */
int cerr_wrap(int r, int exitcode, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An expected error: cerr_save puts the error state aside and starts a clean one, so whatever is
 * tried next records (and cerr_msg shows) its own error; cerr_restore brings the saved state
 * back, so an ignored failure neither shows nor hides another error:
 *	struct cerr_saved s;
 *	cerr_save(&s);
 *	if (try_something() < 0)
 *		log_warn("ignored: %s", cerr_msg());
 *	cerr_restore(&s);
 * A failure that is not ignored returns without cerr_restore: its error is the one recorded. */
struct cerr_saved {
	int have, code;
	char msg[1024];
};
void cerr_save(struct cerr_saved *s);
void cerr_restore(const struct cerr_saved *s);

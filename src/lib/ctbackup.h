/* SPDX-License-Identifier: GPL-2.0-or-later */
/* backup and restore-backup: a container written to one archive (backup.h has its format) and a
 * container made from one. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct tpl_precopy;

enum bk_mode { BK_STOP, BK_SUSPEND, BK_LIVE };

struct backup_opts {
	enum bk_mode mode;
	const char *dumpdir;  /* NULL: [backup] dumpdir; the archive gets its default name there */
	const char *output;   /* the archive's path instead (NULL: in dumpdir; "-": standard output) */
	const char *compress; /* "zstd" (NULL), "gzip", "none" */
	bool progress;        /* a progress line on a terminal */
	struct tpl_precopy *precopy; /* a migration's final pass (precopy.h): unchanged files that its
				      * first pass sent become references; the manifest says so */
};
struct backup_result {
	char *file;     /* the archive written (malloc'd; the caller frees) */
	uint64_t bytes; /* its size */
	double seconds; /* the whole backup, downtime of mode stop included */
};
/* Back container ctid up (see cellctl(8), BACKUP AND RESTORE). Written to FILE.partial and renamed
 * once complete; removed on failure. Mode stop stops a running container and starts it again
 * afterwards (also when the archive failed); suspend freezes it meanwhile (thawed in every case);
 * live archives it as it runs. A stopped container is archived as it is in every mode. cerr
 * EX_NOCONF (no such container), EX_BADVALUE (compress), EX_PRIVEXISTS (the file exists),
 * EX_LAYOUT (suspend or live of a running overlay container), EX_FREEZE, EX_SYSTEM, or what stop and
 * start return. */
int ct_backup(const struct gconf *g, unsigned ctid, const struct backup_opts *o, struct backup_result *res);

struct restore_opts {
	bool force;       /* replace an existing (stopped) container ctid */
	const char *name; /* the new container's name (NULL: the archive's, when ctid is its CTID) */
	const char *precopy_token; /* a migration's final pass: its references name the objects of the
				    * pre-copy received for ctid with this token (ct_precopy_receive); that
				    * stage goes whatever happens. Without, a final pass is refused (EX_RESTORE) */
};
/* Make container ctid from backup archive file (layout copy, a new id block), verifying the
 * manifest's format and the payload's checksum; nothing is left on failure. The archive's UUID is
 * kept when ctid is the CTID it was taken from, else a new one is made. cerr EX_RESTORE (not a
 * backup, corrupt, truncated, newer format, wrong checksum), EX_PRIVEXISTS (ctid exists, no
 * force), EX_RUNNING (force on a running one), EX_NOCONF (no such file), and create's errors.
 * File "-": the archive is read from standard input into a file in private_dir first (its name
 * removed at once: nothing of it outlives this process). */
int ct_restore_backup(const struct gconf *g, const char *file, unsigned ctid, const struct restore_opts *o);

/* A migration's first pass (precopy.h) for container ctid, read from standard input into its
 * stage directory, private_dir/.precopy.CTID.TOKEN (mode 0700; token: the migration's, 32 hex
 * digits, else EX_BADVALUE), under ctid's lock. CTID must not exist here (EX_PRIVEXISTS); another
 * migration's stage of CTID younger than an hour is refused (EX_LOCKED), an older one removed. On
 * failure or a signal (SIGHUP: the connection gone) nothing is left (EX_RESTORE for a corrupt or
 * cut stream). abort_only: only this token's stage, if any, is removed. */
int ct_precopy_receive(const struct gconf *g, unsigned ctid, const char *token, bool abort_only);
/* The stage's path (malloc'd). */
char *ct_precopy_stage(const struct gconf *g, unsigned ctid, const char *token);

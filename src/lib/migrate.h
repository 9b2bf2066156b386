/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate: a container moved to another host over ssh, offline (cellctl(8), MIGRATION). The source
 * runs `ssh DEST cellctl migrate-check`, stops the container, streams its backup archive (ctbackup.h,
 * to a pipe) into `ssh DEST cellctl restore-backup - CTID`, starts it there and destroys (or keeps,
 * disabled) the source. The destination's half is migrate-check (mig_check_local). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* A destination, parsed from [user@]host[:port] (host may be [IPv6]). */
struct mig_dest {
	char user[33];  /* "" when none */
	char host[256]; /* a name, IPv4 or IPv6 address (without brackets) */
	unsigned port;  /* 0: ssh's default */
};
/* Parse DEST: user [A-Za-z0-9._-] not starting with '-', host letters, digits, '.', '-' (not
 * first) or a bracketed IPv6 address, port 1..65535. Pure. 0 or -EINVAL (no cerr). */
int mig_dest_parse(const char *s, struct mig_dest *d);
/* The ssh argv (malloc'd, NULL-terminated; free with mig_argv_free): g's [migrate] ssh, its
 * ssh_options split at blanks, -p PORT, [user@]host, the remote_command split at blanks, then
 * words (NULL-terminated; words that need no quoting: the caller's fixed words and CTIDs). */
char **mig_ssh_argv(const struct gconf *g, const struct mig_dest *d, const char *const *words);
void mig_argv_free(char **argv);
/* The unsigned number of "key" in a flat JSON object text (the pre-check's reply). Pure. 0, or
 * -ENOENT when the key is missing or its value is not such a number. */
int mig_json_u64(const char *text, const char *key, uint64_t *out);

/* The destination's pre-check (migrate-check): may container ctid, with config text conftext
 * (the source's CTID.conf), come here? */
struct mig_check {
	unsigned format;   /* the backup format this cellctl reads (BK_FORMAT) */
	uint64_t free_kib; /* free space of the filesystem of private_dir (its nearest existing parent) */
};
/* cerr EX_PRIVEXISTS (ctid has a config or a private area here), EX_BADVALUE (its name or a MAC is
 * taken), EX_IPINUSE (an address is used by a running container on its bridge), EX_BADCONFIG /
 * EX_BADVALUE (conftext unreadable), EX_SYSTEM. */
int mig_check_local(const struct gconf *g, unsigned ctid, const char *conftext, struct mig_check *out);
/* The check of an online migration's destination, after mig_check_local: can CRIU restore here
 * (criu.h criu_host_check)? 0, or EX_BADKERNEL with CRIU's reason. */
int mig_check_online(void);

struct migrate_opts {
	bool online;   /* a running container moves with its processes (CRIU checkpoint, migonline.h) */
	bool keep_dst; /* a destination container that did not start stays there */
	bool keep_src; /* the source is kept (stopped, disabled) instead of destroyed */
	bool no_precopy; /* no first pass while it runs: the whole tree is copied while it is down */
};
struct migrate_result {
	bool was_running;               /* the container ran: it was stopped here and started there */
	double downtime;                /* seconds from the stop here to running there (0 when it was stopped) */
	double seconds;                 /* the whole migration */
	double t_stop, t_copy, t_start; /* its parts: the stop here, the copy, the start there (seconds) */
	uint64_t usage_kib;             /* the private area's size here */
	bool src_kept;                  /* the source is kept (stopped, disabled); else destroyed */
	bool online;                    /* moved online: t_stop is the checkpoint, t_start the images'
					 * transfer and the restore there, downtime the frozen time */
	bool online_offline;            /* --online of a container that was not running: moved offline */
	bool precopy;                   /* a first pass copied its files while it ran (precopy.h) */
	bool precopy_failed;            /* one was tried and failed: the whole copy was made while down */
	double t_precopy;               /* its seconds (before the downtime) */
	uint64_t precopy_files, precopy_bytes; /* the files it sent, their bytes */
	uint64_t unchanged_files, unchanged_bytes; /* of those, what the final pass did not send again */
};
/* Migrate container ctid to dest (see cellctl(8), MIGRATION). Before the source stops: cerr
 * EX_BADVALUE (dest), EX_MIGONLINE (online, and CRIU cannot checkpoint here or restore there),
 * EX_NOCONF, EX_MIGREFUSED (the destination's check failed or ssh did not reach it; the source
 * untouched). After: EX_MIGRATE (the checkpoint, the copy or the start or restore there failed:
 * the destination's container is removed (kept, stopped, with keep_dst when it started to exist)
 * and the source runs again if it ran: online, restored from its checkpoint, or started cold when
 * that fails), or stop's errors. */
int ct_migrate(const struct gconf *g, unsigned ctid, const char *dest, const struct migrate_opts *o,
	       struct migrate_result *res);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backup archives, the pure part: the manifest (its JSON text both ways and the version rule),
 * the archive's fixed entry names and the default file name. The archive itself is written and
 * read by bkarchive.c (in cellctl-archive); the operations are ctbackup.c's.
 *
 * A backup archive is one tar (pax) stream, compressed or not, of these entries in this order:
 *   BK_MANIFEST      the manifest (JSON, below)
 *   BK_CONFIG        the container's config file as it was
 *   BK_ROOT, BK_ROOT/...   the container's whole root tree, container-relative ids
 *   BK_CHECKSUM      64 hex digits and a newline: the SHA-256 of the payload
 * The payload is everything after the manifest up to the checksum: for each entry in order, its
 * name (without a trailing slash), a NUL, a line "MODE UID GID SIZE\n" (octal mode with the type bits, decimal rest, as
 * stored in the archive; a hard link: its permission bits only and size 0), the target of a symlink or hard link and a NUL, then its data (the holes
 * of a sparse file as zeros). The checksum trails because the archive is written in one pass. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define BK_MANIFEST "cellctl-backup/manifest.json"
#define BK_CONFIG "cellctl-backup/ct.conf"
#define BK_ROOT "root"
#define BK_CHECKSUM "cellctl-backup/sha256"
/* The manifest's format version this cellctl writes, and the newest it reads (every older one). */
#define BK_FORMAT 1u

struct bk_manifest {
	unsigned format;  /* BK_FORMAT when written */
	char version[32]; /* the cellctl that wrote it */
	unsigned ctid;
	char uuid[40], name[256], ostemplate[256];
	char layout[16];    /* of the container backed up: "copy" or "overlay" (the tree is merged) */
	char ownership[16]; /* "mapped", "shifted" or "none" (no user namespace) */
	bool userns;
	char mode[16];     /* "stop", "suspend" or "live" */
	char created[32];  /* UTC, 2026-12-07T03:00:00Z */
	uint64_t disk_kib; /* the tree's disk usage when written (KiB, as du counts it) */
	uint64_t entries;  /* its number of files, directories and other entries */
	bool precopy;      /* a migration's final pass (precopy.h): only restored with its pre-copy
			    * (written only when true) */
};

/* The manifest as one JSON object and a newline (malloc'd). */
char *bk_manifest_format(const struct bk_manifest *m);
/* Parse a manifest's text into m: a JSON object of string, number and boolean members (unknown
 * members are ignored: a newer cellctl of the same format may add some). -EINVAL when it is no such
 * object or lacks "format"; -EPROTONOSUPPORT when its format is newer than BK_FORMAT (this cellctl
 * cannot read it: a newer cellctl restores an older archive, never the reverse). Records nothing. */
int bk_manifest_parse(const char *text, struct bk_manifest *m);
/* The default archive name: cellctl-CTID-YYYYmmdd-HHMMSS.tar.zst (.tar.gz, .tar for compress
 * "gzip", "none"), t in UTC; NULL for an unknown compression. malloc'd. */
char *bk_default_name(unsigned ctid, time_t t, const char *compress);
/* Is compress one of "zstd", "gzip", "none"? */
bool bk_compress_ok(const char *compress);

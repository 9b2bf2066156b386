/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backup archives, the libarchive half (backup.h has the format): written from a container's
 * root and read back. Only cellctl-archive and the tests link it; the cellctl command reaches it
 * through that helper (tpl_archiver's backup entries). */
#pragma once
#include <stdint.h>

#include "template.h"

/* Write the backup archive path (created, O_EXCL, mode 0600; compress "zstd", "gzip" or "none"):
 * the manifest text, the config file confpath, the tree at top with o's ids moved back, the
 * checksum. The caller removes path on failure. Path "-": to standard output instead (a pipe:
 * nothing is created, no fsync). o->srcfd > 0: the tree is the directory open
 * there instead, and this process chroots into it first (cellctl-archive only: no symlink a
 * running guest swaps in leads out of its tree; the process is spent afterwards). */
int bk_archive_write(const char *path, const char *compress, const char *manifest, const char *confpath,
		     const char *top, const struct tpl_pack_opts *o);
/* Read the manifest and the config of backup archive path (its first two entries) into
 * outdir/manifest.json and outdir/ct.conf. cerr EX_RESTORE when they are not there, too big or the
 * archive is not one. */
int bk_archive_info(const char *path, const char *outdir);
/* Extract backup archive path's tree into destdir (empty) as tpl_extract does (o's ids), checking
 * the manifest's format and the payload's checksum. cerr EX_RESTORE for a corrupt, truncated,
 * unsafe or newer archive or a wrong checksum (the caller removes destdir). */
int bk_archive_restore(const char *path, const char *destdir, const struct tpl_extract_opts *o);

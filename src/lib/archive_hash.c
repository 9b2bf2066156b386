/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The payload hash of a backup's entries (tplarchive.h: tpl_archive_hash_entry and _zeros), shared
 * by packing and extraction (archive.c, archive_precopy.c), and the readers' setup. */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <stdio.h>

#include "sha256.h"
#include "tplarchive.h"

void tpl_archive_hash_zeros(struct sha256 *h, uint64_t n)
{
	static const char zeros[16384];
	for (; n;) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		sha256_update(h, zeros, k);
		n -= k;
	}
}

void tpl_archive_hash_entry(struct sha256 *h, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	const char *hard = archive_entry_hardlink(e);
	const char *link = hard ? hard : archive_entry_symlink(e);
	char line[96];
	/* a hard link's type is the link (tar's readers do not all give it the target's type bits) */
	unsigned mode = hard ? (unsigned)archive_entry_perm(e) : (unsigned)archive_entry_mode(e);
	int n = snprintf(line, sizeof(line), "%o %lld %lld %lld\n", mode, (long long)archive_entry_uid(e),
			 (long long)archive_entry_gid(e),
			 (long long)(!hard && archive_entry_filetype(e) == AE_IFREG ? archive_entry_size(e) : 0));
	/* a directory's name as the tar writer stores it ("d/") or as it was given ("d"): without it */
	size_t nl = name ? strlen(name) : 0;
	while (nl > 1 && name[nl - 1] == '/')
		nl--;
	sha256_update(h, name ? name : "", nl);
	sha256_update(h, "", 1);
	sha256_update(h, line, (size_t)n);

	sha256_update(h, link ? link : "", strlen(link ? link : "") + 1);
}

void tpl_archive_read_setup(struct archive *rd)
{
	/* the compressions the cache names: libarchive's own code, never an external program */
	archive_read_support_filter_none(rd);
	archive_read_support_filter_gzip(rd);
	archive_read_support_filter_bzip2(rd);
	archive_read_support_filter_xz(rd);
	archive_read_support_filter_zstd(rd);
	archive_read_support_format_tar(rd);
}

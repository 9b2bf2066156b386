/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The payload hash of a backup's entries (tplarchive.h: tpl_archive_hash_entry and _zeros), shared
 * by packing and extraction (archive.c, archive_precopy.c), the readers' setup and the writers'
 * small entries. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "log.h"

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

int tpl_archive_put_file(struct archive *w, const char *name, const char *data, size_t n, struct sha256 *h)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		abort();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (h) {
		tpl_archive_hash_entry(h, e);
		sha256_update(h, data, n);
	}
	int r = archive_write_header(w, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK || (n && archive_write_data(w, data, n) != (la_ssize_t)n))
		return cerr(EX_SYSTEM, archive_errno(w), "write archive entry %s: %s", name, archive_error_string(w));
	return 0;
}

int tpl_archive_write_open(struct archive *w, const char *compress, int fd, bool pipe, long cpus)
{
	int f = !strcmp(compress, "zstd")   ? archive_write_add_filter_zstd(w)
		: !strcmp(compress, "gzip") ? archive_write_add_filter_gzip(w)
					    : archive_write_add_filter_none(w);
	/* zstd in worker threads (one per CPU) while this one reads the tree and hashes: where
	 * libarchive or libzstd cannot, one thread does it all */
	if (f == ARCHIVE_OK && !strcmp(compress, "zstd")) {
		char n[24];
		snprintf(n, sizeof(n), "%ld", cpus > 1 ? cpus : 1);
		if (archive_write_set_filter_option(w, "zstd", "threads", n) < ARCHIVE_WARN)
			log_debug("zstd without threads: %s", archive_error_string(w));
	}
	/* to a pipe, libarchive would pad the compressed stream to a whole block with zeros, which
	 * zstd's reader takes for a bad frame: no padding */
	if (pipe)
		archive_write_set_bytes_in_last_block(w, 1);
	/* pax, not pax_restricted: the restricted writer stores a time's nanoseconds only in an entry
	 * that needs an extended header for something else, and a backup keeps them */
	if (f != ARCHIVE_OK || archive_write_set_format_pax(w) != ARCHIVE_OK || archive_write_open_fd(w, fd) != ARCHIVE_OK)
		return cerr(EX_SYSTEM, archive_errno(w), "write an archive: %s", archive_error_string(w));
	return 0;
}

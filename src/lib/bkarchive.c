/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backup archives, the libarchive half (bkarchive.h). */
#include "bkarchive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "sha256.h"
#include "tplarchive.h"
#include "util.h"

#define BK_MAX_META (1u << 20) /* the manifest and the config: at most this each */

/* A detached clone of the mount at the directory fd (that directory its top) with nodev, nosuid
 * and noexec; -1 where the kernel cannot (before 5.12): the tree is then read as it is. */
static int nodev_clone(int fd)
{
	int t = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (t < 0) {
		log_debug("backup: open_tree: %m");
		return -1;
	}
	struct mount_attr a = {.attr_set = MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC};
	if (mount_setattr(t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		log_debug("backup: mount_setattr: %m");
		close(t);
		return -1;
	}
	return t;
}

int bk_archive_write(const char *path, const char *compress, const char *manifest, const char *confpath,
		     const char *top, const struct tpl_pack_opts *o)
{
	_cleanup_free_ char *conf = NULL;
	size_t clen = 0;
	int r = read_file_at(AT_FDCWD, confpath, &conf, &clen);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read %s", confpath);
	/* "-": our standard output (a pipe to migrate's ssh, or backup -o -) */
	const bool out = !strcmp(path, "-");
	_cleanup_close_ int fd = out ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
				     : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "create %s", path);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* the tree open at srcfd becomes this process's root: whatever a running guest does to its
	 * tree meanwhile (a file swapped for a symlink between two looks), no name leads out of it;
	 * through a clone of its mount made nodev, where no device node opens (libarchive opens a
	 * file by name after its look: a guest that may mknod could swap one in between) */
	if (o->srcfd > 0) {
		_cleanup_close_ int nodev = nodev_clone(o->srcfd);
		if (fchdir(nodev >= 0 ? nodev : o->srcfd) < 0 || chroot(".") < 0)
			return cerr(EX_SYSTEM, errno, "enter the tree to back up");
		top = ".";
	}
	struct archive *w = archive_write_new();
	if (!w)
		abort();
	if ((r = tpl_archive_write_open(w, compress, fd, out, cpus)) < 0) {
		cerr_wrap(r, 0, "write %s", path);
		goto out;
	}
	struct sha256 h;
	sha256_init(&h);
	unsigned long files = 0;
	uint64_t bytes = 0;
	if ((r = tpl_archive_put_file(w, BK_MANIFEST, manifest, strlen(manifest), NULL)) < 0 ||
	    (r = tpl_archive_put_file(w, BK_CONFIG, conf, clen, &h)) < 0 ||
	    (r = tpl_archive_pack_into(w, top, o, BK_ROOT, &h, &files, &bytes)) < 0)
		goto out;
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(&h, hex);
	strcat(hex, "\n");
	if ((r = tpl_archive_put_file(w, BK_CHECKSUM, hex, strlen(hex), NULL)) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		r = cerr(EX_SYSTEM, archive_errno(w), "write %s: %s", path, archive_error_string(w));
		goto out;
	}
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && fsync(fd) < 0)
		r = cerr(EX_SYSTEM, errno, "write %s", path);
	log_debug("backup %s: %lu entries, %llu bytes of data, payload sha256 %.64s", path, files,
		  (unsigned long long)bytes, hex);
out:
	archive_write_free(w);
	return r;
}

/* ---- reading ---- */

#define bad(path, fmt, ...)                                                                                            \
	cerr(EX_RESTORE, 0, "%s is not a cellctl backup archive, or a damaged one: " fmt, path, __VA_ARGS__)

static int corrupt(struct archive *rd, const char *path)
{
	const char *m = archive_error_string(rd);
	_cleanup_free_ char *e = str_escape(m ? m : "read error");
	return cerr(EX_RESTORE, 0, "backup %s is corrupt or truncated: %s", path, e);
}

static int open_backup(const char *path, struct archive **rdp, int *fdp)
{
	*fdp = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fdp < 0)
		return cerr(errno == ENOENT ? EX_NOCONF : EX_SYSTEM, errno, "open backup %s", path);
	struct archive *rd = archive_read_new();
	if (!rd)
		abort();
	tpl_archive_read_setup(rd);
	*rdp = rd;
	if (archive_read_open_fd(rd, *fdp, 64 * 1024) != ARCHIVE_OK)
		return corrupt(rd, path);
	return 0;
}

/* The next entry, which must be the small regular file name: its data (malloc'd, NUL-terminated),
 * hashed with its header when h. */
static int get_file(struct archive *rd, const char *path, const char *name, char **out, size_t *len, struct sha256 *h)
{
	struct archive_entry *e;
	int r = archive_read_next_header(rd, &e);
	if (r == ARCHIVE_EOF)
		return bad(path, "no %s", name);
	if (r < ARCHIVE_WARN)
		return corrupt(rd, path);
	const char *n = archive_entry_pathname(e);
	if (!n || strcmp(n, name) || archive_entry_filetype(e) != AE_IFREG)
		return bad(path, "%s is not where it belongs", name);
	la_int64_t size = archive_entry_size(e);
	if (size < 0 || size > (la_int64_t)BK_MAX_META)
		return bad(path, "%s is too big", name);
	char *buf = xmalloc((size_t)size + 1);
	la_ssize_t got = archive_read_data(rd, buf, (size_t)size);
	if (got != size) {
		free(buf);
		return got < 0 ? corrupt(rd, path) : bad(path, "%s is cut short", name);
	}
	buf[size] = '\0';
	if (h) {
		tpl_archive_hash_entry(h, e);
		sha256_update(h, buf, (size_t)size);
	}
	*out = buf;
	*len = (size_t)size;
	return 0;
}

/* The manifest's text checked: parsed, a format this cellctl reads. */
static int check_manifest(const char *path, const char *text)
{
	struct bk_manifest m;
	int r = bk_manifest_parse(text, &m);
	if (r == -EPROTONOSUPPORT)
		return cerr(EX_RESTORE,
			    0, "backup %s has format %u, newer than this cellctl reads (%u): restore it with a newer cellctl",
			    path, m.format, BK_FORMAT);
	if (r < 0)
		return bad(path, "%s", "its manifest is malformed");
	return 0;
}

static int write_out(const char *dir, const char *name, const char *data, size_t len)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_full(fd, data, len) < 0)
		return cerr(EX_SYSTEM, errno, "write %s", p);
	return 0;
}

int bk_archive_info(const char *path, const char *outdir)
{
	struct archive *rd = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *man = NULL, *conf = NULL;
	size_t mlen = 0, clen = 0;
	int r = open_backup(path, &rd, &fd);
	if (r == 0 && (r = get_file(rd, path, BK_MANIFEST, &man, &mlen, NULL)) == 0 &&
	    (r = check_manifest(path, man)) == 0 && (r = get_file(rd, path, BK_CONFIG, &conf, &clen, NULL)) == 0 &&
	    (r = write_out(outdir, "manifest.json", man, mlen)) == 0)
		r = write_out(outdir, "ct.conf", conf, clen);
	if (rd)
		archive_read_free(rd);
	return r;
}

int bk_archive_restore(const char *path, const char *destdir, const struct tpl_extract_opts *o)
{
	struct archive *rd = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *man = NULL, *conf = NULL;
	size_t mlen = 0, clen = 0;
	struct sha256 h;
	sha256_init(&h);
	struct archive_entry *stop = NULL;
	int r = open_backup(path, &rd, &fd);
	if (r == 0 && (r = get_file(rd, path, BK_MANIFEST, &man, &mlen, NULL)) == 0 &&
	    (r = check_manifest(path, man)) == 0 && (r = get_file(rd, path, BK_CONFIG, &conf, &clen, &h)) == 0) {
		r = tpl_archive_extract_from(rd, path, destdir, o, BK_ROOT, &h, &stop);
		/* what extraction calls a bad template is a bad backup here */
		if (r < 0 && cerr_exit() == EX_BADTEMPLATE)
			cerr_wrap(r, EX_RESTORE, "restore-backup %s", path);
	}
	if (r < 0)
		goto out;
	const char *sn = stop ? archive_entry_pathname(stop) : NULL;
	if (!sn || strcmp(sn, BK_CHECKSUM) || archive_entry_filetype(stop) != AE_IFREG || archive_entry_size(stop) != 65) {
		r = bad(path, "%s", "no checksum after the tree (truncated?)");
		goto out;
	}
	char want[66] = "";
	if (archive_read_data(rd, want, 65) != 65) {
		r = corrupt(rd, path);
		goto out;
	}
	want[64] = '\0';
	char got[SHA256_HEX_LEN];
	sha256_hex(&h, got);
	if (strcmp(want, got)) {
		r = cerr(EX_RESTORE, 0, "backup %s: the payload's checksum is wrong (sha256 %s, the archive says %s)",
			 path, got, want);
		goto out;
	}
	struct archive_entry *e;
	int k = archive_read_next_header(rd, &e);
	if (k != ARCHIVE_EOF)
		r = k < ARCHIVE_WARN ? corrupt(rd, path) : bad(path, "%s", "entries after the checksum");
	else
		log_debug("backup %s: payload sha256 %s verified", path, got);
out:
	if (rd)
		archive_read_free(rd);
	return r;
}

/* tpl_archiver.backup: the tree open at o->srcfd (this process chroots into it: cellctl-archive) */
static int write_fd(const char *path, const char *compress, const char *manifest, const char *confpath,
		    const struct tpl_pack_opts *o)
{
	if ((path[0] != '/' && strcmp(path, "-")) || confpath[0] != '/' || o->srcfd <= 0)
		return cerr(EX_SYSTEM, EINVAL, "backup %s: absolute paths and a tree's descriptor only", path);
	return bk_archive_write(path, compress, manifest, confpath, NULL, o);
}

/* tpl_archiver.precopy_send: the tree open at o->srcfd (walked from that fd: no chroot, so that a
 * file is opened only once it is known to be a regular one, through /proc/self/fd) */
static int precopy_send(const char *compress, const struct tpl_pack_opts *o)
{
	if (o->srcfd <= 0 || !o->precopy)
		return cerr(EX_SYSTEM, EINVAL, "pre-copy: a tree's descriptor and a list only");
	return tpl_precopy_write(STDOUT_FILENO, compress, o->srcfd, o->precopy, NULL);
}

static int precopy_recv(const char *stagedir, volatile int *cancel)
{
	uint64_t files;
	return tpl_precopy_receive(STDIN_FILENO, stagedir, cancel, &files);
}

const struct tpl_archiver tpl_archive_local = {.extract = tpl_archive_extract,
					       .pack = tpl_archive_pack,
					       .backup = write_fd,
					       .backup_info = bk_archive_info,
					       .restore = bk_archive_restore,
					       .precopy_send = precopy_send,
					       .precopy_recv = precopy_recv};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libarchive half of a migration's pre-copy (precopy.h): the first pass's stream both ways,
 * and the final pass's references to its objects (marked by packing, placed by extraction). In
 * cellctl-archive (and the unit tests). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "precopy.h"
#include "sha256.h"
#include "template.h"
#include "tplarchive.h"
#include "util.h"

#define ESC 256

static int put_small(struct archive *w, const char *name, const char *data, size_t n, struct sha256 *h)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		abort();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)n);
	if (h) {
		tpl_archive_hash_entry(h, e);
		sha256_update(h, data, n);
	}
	int r = archive_write_header(w, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK || (n && archive_write_data(w, data, n) != (la_ssize_t)n))
		return cerr(EX_SYSTEM, archive_errno(w), "write pre-copy entry %s: %s", name, archive_error_string(w));
	return 0;
}

/* The data of the disk reader's current file into w, holes as zeros (the pax writer skips them for
 * a sparse entry), hashed. A read that fails (the guest removed or cut the file meanwhile) is made
 * up with zeros to the size in the header: *whole false (the object will not be used). */
static int copy_data(struct archive *d, struct archive *w, la_int64_t total, struct sha256 *h, bool *whole,
		     uint64_t *bytes)
{
	static const char zeros[16384];
	la_int64_t done = 0;
	*whole = true;
	for (;;) {
		const void *buf = NULL;
		size_t size = 0;
		la_int64_t off = done;
		int r = archive_read_data_block(d, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN || off < done || off + (la_int64_t)size > total) {
			*whole = false;
			break;
		}
		while (done < off) {
			size_t n = (size_t)(off - done) < sizeof(zeros) ? (size_t)(off - done) : sizeof(zeros);
			if (archive_write_data(w, zeros, n) < 0)
				return cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
			sha256_update(h, zeros, n);
			done += (la_int64_t)n;
		}
		if (size && archive_write_data(w, buf, size) < 0)
			return cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
		sha256_update(h, buf, size);
		done += (la_int64_t)size;
		*bytes += size;
	}
	while (done < total) {
		size_t n = (size_t)(total - done) < sizeof(zeros) ? (size_t)(total - done) : sizeof(zeros);
		if (archive_write_data(w, zeros, n) < 0)
			return cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
		sha256_update(h, zeros, n);
		done += (la_int64_t)n;
	}
	return 0;
}

/* The object entry of e (a regular file of the tree): its data, sparse map and size only. */
static struct archive_entry *object_entry(struct archive_entry *e, uint64_t ino)
{
	struct archive_entry *o = archive_entry_new();
	if (!o)
		abort();
	char name[48];
	snprintf(name, sizeof(name), PC_OBJ_DIR "/%" PRIu64, ino);
	archive_entry_set_pathname(o, name);
	archive_entry_set_filetype(o, AE_IFREG);
	archive_entry_set_perm(o, 0600);
	archive_entry_set_size(o, archive_entry_size(e));
	la_int64_t off, len;
	if (archive_entry_sparse_reset(e) > 0)
		while (archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK)
			archive_entry_sparse_add_entry(o, off, len);
	return o;
}

static int list_flush(int fd, uint64_t *buf, size_t *n)
{
	if (*n && write_full(fd, buf, *n * sizeof(*buf)) < 0)
		return cerr(EX_SYSTEM, errno, "write the pre-copy's list of files");
	*n = 0;
	return 0;
}

static int walk_objects(struct archive *d, struct archive *w, struct tpl_precopy *pc, struct sha256 *h)
{
	struct inoset seen = INOSET_INIT;
	uint64_t list[512];
	size_t nl = 0;
	int ret = 0;
	char b[ESC];
	for (;;) {
		struct archive_entry *e = archive_entry_new();
		if (!e)
			abort();
		int r = archive_read_next_header2(d, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r == ARCHIVE_WARN || r == ARCHIVE_FAILED) {
			/* (a file that went while we looked: the final pass sends it as it is then) */
			log_debug("pre-copy: %s", str_escape_buf(archive_error_string(d), b, sizeof(b)));
			if (r == ARCHIVE_FAILED) {
				archive_entry_free(e);
				continue;
			}
		} else if (r != ARCHIVE_OK) {
			ret = cerr(EX_SYSTEM, archive_errno(d), "pre-copy: read the tree: %s", archive_error_string(d));
			archive_entry_free(e);
			break;
		}
		archive_read_disk_descend(d);
		uint64_t ino = (uint64_t)archive_entry_ino64(e);
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) <= 0 ||
		    (archive_entry_nlink(e) > 1 && !inoset_add(&seen, ino))) {
			archive_entry_free(e);
			continue;
		}
		struct archive_entry *o = object_entry(e, ino);
		tpl_archive_hash_entry(h, o);
		bool whole = false;
		if (archive_write_header(w, o) != ARCHIVE_OK)
			ret = cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
		else
			ret = copy_data(d, w, archive_entry_size(o), h, &whole, &pc->bytes);
		if (ret == 0 && archive_write_finish_entry(w) < ARCHIVE_WARN)
			ret = cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
		archive_entry_free(o);
		archive_entry_free(e);
		if (ret < 0)
			break;
		if (!whole)
			continue; /* sent, but never referred to: the final pass sends this file whole */
		pc->files++;
		list[nl++] = ino;
		if (nl == ARRAY_SIZE(list) && (ret = list_flush(pc->listfd, list, &nl)) < 0)
			break;
	}
	if (ret == 0)
		ret = list_flush(pc->listfd, list, &nl);
	inoset_free(&seen);
	return ret;
}

int tpl_precopy_write(int outfd, const char *compress, const char *top, struct tpl_precopy *pc)
{
	struct archive *w = archive_write_new(), *d = archive_read_disk_new();
	if (!w || !d)
		abort();
	int f = !strcmp(compress, "zstd")   ? archive_write_add_filter_zstd(w)
		: !strcmp(compress, "gzip") ? archive_write_add_filter_gzip(w)
					    : archive_write_add_filter_none(w);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (f == ARCHIVE_OK && !strcmp(compress, "zstd")) {
		char n[24];
		snprintf(n, sizeof(n), "%ld", cpus > 1 ? cpus : 1);
		archive_write_set_filter_option(w, "zstd", "threads", n);
	}
	archive_write_set_bytes_in_last_block(w, 1); /* a pipe: no padding (see bk_archive_write) */
	int r = 0;
	struct sha256 h;
	sha256_init(&h);
	if (archive_write_set_format_pax_restricted(w) != ARCHIVE_OK || f != ARCHIVE_OK ||
	    archive_write_open_fd(w, outfd) != ARCHIVE_OK) {
		r = cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
		goto out;
	}
	/* the data and sizes only: no xattrs, ACLs or flags (the final pass has the metadata) */
	archive_read_disk_set_symlink_physical(d);
	archive_read_disk_set_behavior(d, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS |
						  ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL);
	if (archive_read_disk_open(d, top) != ARCHIVE_OK) {
		r = cerr(EX_SYSTEM, archive_errno(d), "pre-copy: read %s: %s", top, archive_error_string(d));
		goto out;
	}
	if ((r = put_small(w, PC_FORMAT_NAME, PC_FORMAT, strlen(PC_FORMAT), NULL)) < 0 ||
	    (r = walk_objects(d, w, pc, &h)) < 0)
		goto out;
	char hex[SHA256_HEX_LEN + 2];
	sha256_hex(&h, hex);
	strcat(hex, "\n");
	if ((r = put_small(w, PC_SUM_NAME, hex, strlen(hex), NULL)) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK)
		r = cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
out:
	archive_read_free(d);
	archive_write_free(w);
	return r;
}

/* ---- the destination: the first pass into a stage directory ---- */

static int bad_stream(const char *what)
{
	return cerr(EX_RESTORE, 0, "the pre-copy stream is not a cellctl pre-copy, or a damaged one: %s", what);
}

static int read_corrupt(struct archive *rd)
{
	char b[ESC];
	const char *m = archive_error_string(rd);
	return cerr(EX_RESTORE, 0, "the pre-copy stream is corrupt or cut short: %s",
		    str_escape_buf(m ? m : "read error", b, sizeof(b)));
}

/* The object name of PC_OBJ_DIR/DIGITS into out: 0, or -EINVAL for any other name. */
static int object_name(const char *path, char out[24])
{
	size_t n = strlen(PC_OBJ_DIR);
	if (!path || strncmp(path, PC_OBJ_DIR "/", n + 1))
		return -EINVAL;
	const char *d = path + n + 1;
	size_t k = strspn(d, "0123456789");
	if (!k || k > 20 || d[k])
		return -EINVAL;
	memcpy(out, d, k + 1);
	return 0;
}

static int receive_object(struct archive *rd, struct archive_entry *e, int sfd, struct sha256 *h,
			  volatile int *cancel)
{
	char name[24];
	if (object_name(archive_entry_pathname(e), name) < 0 || archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) || archive_entry_size(e) < 0)
		return bad_stream("an entry that is no object");
	tpl_archive_hash_entry(h, e);
	la_int64_t total = archive_entry_size(e), done = 0;
	_cleanup_close_ int fd = openat(sfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? bad_stream("an object twice") : cerr(EX_SYSTEM, errno, "create pre-copy object %s", name);
	for (;;) {
		if (cancel && *cancel)
			return -EINTR;
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(rd, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return read_corrupt(rd);
		if (off < done || off + (la_int64_t)size > total)
			return bad_stream("an object's data out of its bounds");
		tpl_archive_hash_zeros(h, (uint64_t)(off - done));
		sha256_update(h, buf, size);
		for (size_t put = 0; put < size;) {
			ssize_t k = pwrite(fd, (const char *)buf + put, size - put, off + (la_int64_t)put);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return cerr(EX_SYSTEM, errno, "write pre-copy object %s", name);
			put += (size_t)k;
		}
		done = off + (la_int64_t)size;
	}
	tpl_archive_hash_zeros(h, (uint64_t)(total - done));
	if (ftruncate(fd, total) < 0)
		return cerr(EX_SYSTEM, errno, "write pre-copy object %s", name);
	return 0;
}

/* The small entry name, its data (at most max bytes) into buf (NUL-terminated). */
static int read_small(struct archive *rd, const char *name, char *buf, size_t max)
{
	struct archive_entry *e;
	int r = archive_read_next_header(rd, &e);
	if (r == ARCHIVE_EOF)
		return bad_stream("it ends early");
	if (r < ARCHIVE_WARN)
		return read_corrupt(rd);
	const char *n = archive_entry_pathname(e);
	if (!n || strcmp(n, name) || archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) < 0 ||
	    archive_entry_size(e) >= (la_int64_t)max)
		return bad_stream("its first entry");
	la_ssize_t got = archive_read_data(rd, buf, (size_t)archive_entry_size(e));
	if (got != archive_entry_size(e))
		return got < 0 ? read_corrupt(rd) : bad_stream("an entry cut short");
	buf[got] = '\0';
	return 0;
}

int tpl_precopy_receive(int infd, const char *stagedir, volatile int *cancel, uint64_t *files)
{
	*files = 0;
	_cleanup_close_ int sfd = open(stagedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", stagedir);
	struct archive *rd = archive_read_new();
	if (!rd)
		abort();
	tpl_archive_read_setup(rd);
	struct sha256 h;
	sha256_init(&h);
	char buf[80];
	int r = 0;
	if (archive_read_open_fd(rd, infd, 64 * 1024) != ARCHIVE_OK) {
		r = read_corrupt(rd);
		goto out;
	}
	if ((r = read_small(rd, PC_FORMAT_NAME, buf, sizeof(buf))) < 0)
		goto out;
	if (strcmp(buf, PC_FORMAT)) {
		r = cerr(EX_RESTORE, 0, "the pre-copy stream has a format this cellctl does not read");
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int k = archive_read_next_header(rd, &e);
		if (k == ARCHIVE_EOF) {
			r = bad_stream("no checksum at its end (cut short?)");
			goto out;
		}
		if (k < ARCHIVE_WARN) {
			r = read_corrupt(rd);
			goto out;
		}
		const char *n = archive_entry_pathname(e);
		if (n && !strcmp(n, PC_SUM_NAME))
			break;
		if ((r = receive_object(rd, e, sfd, &h, cancel)) < 0)
			goto out;
		(*files)++;
	}
	char want[SHA256_HEX_LEN + 2] = "", got[SHA256_HEX_LEN];
	if (archive_read_data(rd, want, 65) != 65 || want[64] != '\n') {
		r = bad_stream("a malformed checksum");
		goto out;
	}
	want[64] = '\0';
	sha256_hex(&h, got);
	if (strcmp(want, got)) {
		r = cerr(EX_RESTORE, 0, "the pre-copy's checksum is wrong (sha256 %s, the stream says %s)", got, want);
		goto out;
	}
	struct archive_entry *e;
	if (archive_read_next_header(rd, &e) != ARCHIVE_EOF) {
		r = bad_stream("entries after its checksum");
		goto out;
	}
	int cfd = openat(sfd, PC_COMPLETE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (cfd < 0 || close(cfd) < 0)
		r = cerr(EX_SYSTEM, errno, "mark the pre-copy in %s complete", stagedir);
out:
	archive_read_free(rd);
	return r;
}

/* ---- the final pass's references ---- */

bool tpl_precopy_mark(struct archive_entry *e, struct tpl_precopy *pc, char *line, size_t len)
{
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) || archive_entry_size(e) <= 0)
		return false;
	int64_t cs = (int64_t)archive_entry_ctime(e);
	long cn = archive_entry_ctime_nsec(e);
	if (cs > pc->t0_sec || (cs == pc->t0_sec && cn >= pc->t0_nsec))
		return false;
	uint64_t ino = (uint64_t)archive_entry_ino64(e);
	if (!inoset_has(&pc->sent, ino))
		return false;
	uint64_t size = (uint64_t)archive_entry_size(e);
	char v[48];
	int n = snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64, ino, size);
	archive_entry_xattr_add_entry(e, PC_XATTR, v, (size_t)n);
	archive_entry_set_size(e, 0);
	archive_entry_sparse_clear(e);
	snprintf(line, len, "precopy %s\n", v);
	pc->files++;
	pc->bytes += size;
	return true;
}

int tpl_precopy_take_ref(struct archive_entry *e, bool allowed, struct sha256 *h, struct tpl_pc_ref *ref,
			 const char *tname, const char *path)
{
	ref->set = false;
	if (archive_entry_xattr_reset(e) <= 0)
		return 0;
	const char *name;
	const void *value;
	size_t size;
	bool found = false;
	char v[48] = "";
	/* (a pax stream names it twice, as libarchive's and as star's key: the same value) */
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (!strcmp(name, PC_XATTR)) {
			if (size >= sizeof(v) || (found && (strlen(v) != size || memcmp(v, value, size))))
				return cerr(EX_RESTORE, 0, "backup %s: '%s': a malformed pre-copy reference", tname, path);
			memcpy(v, value, size);
			v[size] = '\0';
			found = true;
		}
	if (!found)
		return 0;
	if (!allowed)
		return cerr(EX_RESTORE, 0,
			    "backup %s: '%s' refers to a migration's pre-copy: this stream is restored only by the "
			    "migration that sent it",
			    tname, path);
	unsigned long long ino, sz;
	int used = 0;
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) || archive_entry_size(e) != 0 ||
	    sscanf(v, "%llu %llu%n", &ino, &sz, &used) != 2 || (size_t)used != strlen(v) || v[0] < '0' || v[0] > '9')
		return cerr(EX_RESTORE, 0, "backup %s: '%s': a malformed pre-copy reference", tname, path);
	/* every other xattr stays, in its order */
	struct archive_entry *keep = archive_entry_clone(e);
	if (!keep)
		abort();
	archive_entry_xattr_clear(e);
	archive_entry_xattr_reset(keep);
	while (archive_entry_xattr_next(keep, &name, &value, &size) == ARCHIVE_OK)
		if (strcmp(name, PC_XATTR))
			archive_entry_xattr_add_entry(e, name, value, size);
	archive_entry_free(keep);
	if (h) {
		char line[64];
		int n = snprintf(line, sizeof(line), "precopy %s\n", v);
		sha256_update(h, line, (size_t)n);
	}
	ref->set = true;
	ref->ino = ino;
	ref->size = sz;
	return 0;
}

/* Every xattr of from (the file extraction made) onto to; ACLs are system.posix_acl_* here. */
static int copy_xattrs(int from, int to, const char *tname, const char *path)
{
	ssize_t n = flistxattr(from, NULL, 0);
	if (n <= 0)
		return n < 0 && errno != ENOTSUP ? cerr(EX_SYSTEM, errno, "backup %s: list the xattrs of '%s'", tname, path) : 0;
	_cleanup_free_ char *names = xmalloc((size_t)n + 1);
	n = flistxattr(from, names, (size_t)n);
	if (n < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: list the xattrs of '%s'", tname, path);
	for (char *nm = names; nm < names + n; nm += strlen(nm) + 1) {
		ssize_t vs = fgetxattr(from, nm, NULL, 0);
		if (vs < 0)
			return cerr(EX_SYSTEM, errno, "backup %s: read an xattr of '%s'", tname, path);
		_cleanup_free_ char *val = xmalloc(vs ? (size_t)vs : 1);
		vs = fgetxattr(from, nm, val, (size_t)vs);
		if (vs < 0 || fsetxattr(to, nm, val, (size_t)vs, 0) < 0)
			return cerr(EX_SYSTEM, errno, "backup %s: copy an xattr of '%s'", tname, path);
	}
	return 0;
}

int tpl_precopy_place(int rootfd, int stagefd, const char *path, const struct tpl_pc_ref *ref, const char *tname)
{
	char b[ESC];
	const char *ep = str_escape_buf(path, b, sizeof(b));
	_cleanup_free_ char *rel = tpl_path_clean(path);
	if (!rel || !*rel)
		return cerr(EX_RESTORE, 0, "backup %s: a pre-copy reference at '%s'", tname, ep);
	char *slash = strrchr(rel, '/');
	const char *dir = slash ? rel : "", *base = slash ? slash + 1 : rel;
	if (slash)
		*slash = '\0';
	_cleanup_close_ int pfd = fs_open_beneath(rootfd, dir, O_PATH | O_DIRECTORY);
	if (pfd < 0)
		return cerr(EX_SYSTEM, -pfd, "backup %s: open the directory of '%s'", tname, ep);
	/* the file extraction just made: empty, with the entry's owner, mode, xattrs, ACLs and times */
	_cleanup_close_ int tfd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat ts, os;
	if (tfd < 0 || fstat(tfd, &ts) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: open '%s'", tname, ep);
	if (!S_ISREG(ts.st_mode) || ts.st_size != 0)
		return cerr(EX_RESTORE, 0, "backup %s: '%s' is not the empty file a pre-copy reference needs", tname, ep);
	char oname[24];
	snprintf(oname, sizeof(oname), "%" PRIu64, ref->ino);
	_cleanup_close_ int ofd = openat(stagefd, oname, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (ofd < 0 && errno == ENOENT)
		return cerr(EX_RESTORE, 0, "backup %s: '%s': its pre-copy object %s is missing", tname, ep, oname);
	if (ofd < 0 || fstat(ofd, &os) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: open pre-copy object %s", tname, oname);
	if (!S_ISREG(os.st_mode) || os.st_nlink != 1 || (uint64_t)os.st_size != ref->size)
		return cerr(EX_RESTORE, 0, "backup %s: '%s': its pre-copy object %s is not the file it refers to (%lld bytes, %llu expected)",
			    tname, ep, oname, (long long)os.st_size, (unsigned long long)ref->size);
	/* chown first (it drops set-id bits and file capabilities), then xattrs, mode, times */
	if (fchown(ofd, ts.st_uid, ts.st_gid) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: chown '%s'", tname, ep);
	int r = copy_xattrs(tfd, ofd, tname, ep);
	if (r < 0)
		return r;
	if (fchmod(ofd, ts.st_mode & 07777) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: chmod '%s'", tname, ep);
	/* the project (quota) the directory gave the new file: a rename into an inheriting directory of
	 * another project fails (EXDEV) */
	struct fsxattr ft, fo;
	if (ioctl(tfd, FS_IOC_FSGETXATTR, &ft) == 0 && ioctl(ofd, FS_IOC_FSGETXATTR, &fo) == 0 &&
	    ft.fsx_projid != fo.fsx_projid) {
		fo.fsx_projid = ft.fsx_projid;
		if (ioctl(ofd, FS_IOC_FSSETXATTR, &fo) < 0)
			return cerr(EX_SYSTEM, errno, "backup %s: set the project of '%s'", tname, ep);
	}
	struct timespec tm[2] = {ts.st_atim, ts.st_mtim};
	if (futimens(ofd, tm) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: set the times of '%s'", tname, ep);
	if (renameat(stagefd, oname, pfd, base) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: move pre-copy object %s to '%s'", tname, oname, ep);
	return 0;
}

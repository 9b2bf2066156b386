/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libarchive half of a migration's pre-copy (precopy.h): the first pass's stream both ways,
 * and the final pass's references to its objects (marked by packing, placed by extraction). In
 * cellctl-archive (and the unit tests). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
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
#include "inoset.h"
#include "log.h"
#include "precopy.h"
#include "sha256.h"
#include "template.h"
#include "tplarchive.h"
#include "util.h"

#define ESC TPL_ESC_LEN

/* The first pass's walk: its output, hashes, records and figures. */
struct walk {
	struct archive *w;
	struct sha256 stream; /* the objects' payload (PC_SUM_NAME) */
	struct inoset seen;   /* every inode met: one object each, even when renamed mid-walk */
	dev_t dev;            /* the tree's file system: no other is entered */
	struct tpl_precopy *pc;
	struct pc_record list[256];
	size_t nl;
	volatile int *cancel;
};

#define PC_MAX_DEPTH 512 /* deeper directories are left to the final pass (one fd per level here) */
#define PC_BUF (128 * 1024)

static int list_flush(struct walk *k)
{
	if (k->nl && write_full(k->pc->listfd, k->list, k->nl * sizeof(*k->list)) < 0)
		return cerr(EX_SYSTEM, errno, "write the pre-copy's list of files");
	k->nl = 0;
	return 0;
}

static int write_zeros(struct walk *k, struct sha256 *fh, uint64_t n)
{
	static const char zeros[16384];
	while (n) {
		size_t c = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		if (archive_write_data(k->w, zeros, c) < 0)
			return cerr(EX_SYSTEM, archive_errno(k->w), "write the pre-copy: %s", archive_error_string(k->w));
		sha256_update(&k->stream, zeros, c);
		sha256_update(fh, zeros, c);
		n -= c;
	}
	return 0;
}

/* The data regions of fd (st_size size) as the entry's sparse map (SEEK_DATA/SEEK_HOLE), only
 * when it has a hole (a map of one region of the whole file would only cost a pax header); none
 * when the file system cannot tell: then it is all data. */
static void sparse_map(int fd, off_t size, struct archive_entry *o)
{
	off_t d = lseek(fd, 0, SEEK_DATA), hl = d >= 0 ? lseek(fd, d, SEEK_HOLE) : -1;
	if (d == 0 && (hl < 0 || hl >= size))
		return; /* no hole, or no way to tell */
	if (d < 0 && errno == ENXIO) {
		archive_entry_sparse_add_entry(o, size, 0); /* all hole: no data at all */
		return;
	}
	for (off_t pos = 0; pos < size;) {
		if ((d = lseek(fd, pos, SEEK_DATA)) < 0)
			break; /* ENXIO: a hole to the end */
		if ((hl = lseek(fd, d, SEEK_HOLE)) < 0 || hl > size)
			hl = size;
		archive_entry_sparse_add_entry(o, d, hl - d);
		pos = hl;
	}
}

/* One regular file open at fd (st its fstat): its object, holes as zeros (the pax writer skips
 * them), hashed into the stream and into its record. A file cut while we read it is made up with
 * zeros to its size and gets no record (the final pass sends it whole). */
static int send_object(struct walk *k, int fd, const struct stat *st)
{
	struct archive_entry *o = archive_entry_new();
	if (!o)
		abort();
	char name[48];
	snprintf(name, sizeof(name), PC_OBJ_DIR "/%" PRIu64, (uint64_t)st->st_ino);
	archive_entry_set_pathname(o, name);
	archive_entry_set_filetype(o, AE_IFREG);
	archive_entry_set_perm(o, 0600);
	archive_entry_set_size(o, st->st_size);
	sparse_map(fd, st->st_size, o);
	tpl_archive_hash_entry(&k->stream, o);
	int r = 0;
	if (archive_write_header(k->w, o) != ARCHIVE_OK) {
		r = cerr(EX_SYSTEM, archive_errno(k->w), "write the pre-copy: %s", archive_error_string(k->w));
		archive_entry_free(o);
		return r;
	}
	struct sha256 fh;
	sha256_init(&fh);
	_cleanup_free_ char *buf = xmalloc(PC_BUF);
	uint64_t done = 0, total = (uint64_t)st->st_size;
	bool whole = true;
	/* each data region: the sparse map's, or the whole file */
	la_int64_t off = 0, len = (la_int64_t)total;
	bool sparse = archive_entry_sparse_reset(o) > 0;
	while (r == 0 && (sparse ? archive_entry_sparse_next(o, &off, &len) == ARCHIVE_OK : done < total)) {
		if ((r = write_zeros(k, &fh, (uint64_t)off - done)) < 0)
			break;
		done = (uint64_t)off;
		for (uint64_t end = (uint64_t)(off + len); done < end;) {
			if (k->cancel && *k->cancel) {
				r = -EINTR;
				break;
			}
			size_t want = end - done < PC_BUF ? (size_t)(end - done) : PC_BUF;
			ssize_t n = whole ? pread(fd, buf, want, (off_t)done) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) { /* cut short, or unreadable: zeros from here */
				whole = false;
				memset(buf, 0, want);
				n = (ssize_t)want;
			}
			if (archive_write_data(k->w, buf, (size_t)n) < 0) {
				r = cerr(EX_SYSTEM, archive_errno(k->w), "write the pre-copy: %s",
					 archive_error_string(k->w));
				break;
			}
			sha256_update(&k->stream, buf, (size_t)n);
			sha256_update(&fh, buf, (size_t)n);
			done += (uint64_t)n;
			k->pc->bytes += (uint64_t)n;
		}
	}
	if (r == 0 && done < total)
		r = write_zeros(k, &fh, total - done);
	if (r == 0 && archive_write_finish_entry(k->w) < ARCHIVE_WARN)
		r = cerr(EX_SYSTEM, archive_errno(k->w), "write the pre-copy: %s", archive_error_string(k->w));
	archive_entry_free(o);
	if (r < 0 || !whole)
		return r;
	struct pc_record *rec = &k->list[k->nl++];
	memset(rec, 0, sizeof(*rec));
	rec->ino = (uint64_t)st->st_ino;
	rec->size = total;
	sha256_final(&fh, rec->sha256);
	k->pc->files++;
	return k->nl == ARRAY_SIZE(k->list) ? list_flush(k) : 0;
}

/* Is the file open at fd a mount point (a file bind-mounted over the tree's)? */
static bool mount_root(int fd)
{
	struct statx sx;
	return statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &sx) == 0 &&
	       (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* The directory open at dfd (it is closed here), depth levels down. Names are the guest's: a
 * directory is entered by openat(O_NOFOLLOW|O_DIRECTORY) from its parent, a file is opened only
 * through an O_PATH look that found a regular file (fs_open_regular); what vanished or changed
 * its kind meanwhile is skipped (the final pass sends it as it is then). */
static int walk_dir(struct walk *k, int dfd, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (k->cancel && *k->cancel) {
			r = -EINTR;
			break;
		}
		const char *n = de->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat st;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
				if (de->d_type == DT_DIR)
					continue;
			} else {
				if (st.st_dev != k->dev || depth >= PC_MAX_DEPTH)
					continue;
				int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0 && mount_root(sub))
					close(sub); /* a bind mount over the tree (same file system) */
				else if (sub >= 0)
					r = walk_dir(k, sub, depth + 1);
				continue;
			}
		}
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		_cleanup_close_ int fd = fs_open_regular(dirfd(d), n, O_RDONLY | O_NONBLOCK | O_NOATIME);
		if (fd < 0 && errno == EPERM)
			fd = fs_open_regular(dirfd(d), n, O_RDONLY | O_NONBLOCK);
		/* (not its st_dev: overlayfs gives a file its layer's, not the mount's) */
		if (fd < 0 || fstat(fd, &st) < 0 || mount_root(fd) || st.st_size <= 0 ||
		    !inoset_add(&k->seen, (uint64_t)st.st_ino))
			continue;
		r = send_object(k, fd, &st);
	}
	closedir(d);
	return r;
}

int tpl_precopy_write(int outfd, const char *compress, int topfd, struct tpl_precopy *pc, volatile int *cancel)
{
	struct walk k = {.w = archive_write_new(), .seen = INOSET_INIT, .pc = pc, .cancel = cancel};
	if (!k.w)
		abort();
	sha256_init(&k.stream);
	struct archive *w = k.w;
	int r = 0;
	struct stat st;
	int dfd = -1;
	if ((r = tpl_archive_write_open(w, compress, outfd, true, sysconf(_SC_NPROCESSORS_ONLN))) < 0)
		goto out;
	if (fstat(topfd, &st) < 0 || (dfd = openat(topfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = cerr(EX_SYSTEM, errno, "pre-copy: open the tree");
		goto out;
	}
	k.dev = st.st_dev;
	if ((r = tpl_archive_put_file(w, PC_FORMAT_NAME, PC_FORMAT, strlen(PC_FORMAT), NULL)) < 0 ||
	    (r = walk_dir(&k, dfd, 0)) < 0 || (r = list_flush(&k)) < 0)
		goto out;
	char hex[SHA256_HEX_LEN + 2];
	sha256_hex(&k.stream, hex);
	strcat(hex, "\n");
	if ((r = tpl_archive_put_file(w, PC_SUM_NAME, hex, strlen(hex), NULL)) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK)
		r = cerr(EX_SYSTEM, archive_errno(w), "write the pre-copy: %s", archive_error_string(w));
out:
	inoset_free(&k.seen);
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
	if (!k || k > 20 || d[k] || (d[0] == '0' && k > 1)) /* one spelling per inode */
		return -EINVAL;
	memcpy(out, d, k + 1);
	return 0;
}

static int receive_object(struct archive *rd, struct archive_entry *e, int sfd, struct sha256 *h, volatile int *cancel)
{
	char name[24];
	if (object_name(archive_entry_pathname(e), name) < 0 || archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) || archive_entry_size(e) < 0)
		return bad_stream("an entry that is no object");
	tpl_archive_hash_entry(h, e);
	la_int64_t total = archive_entry_size(e), done = 0;
	_cleanup_close_ int fd = openat(sfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? bad_stream("an object twice")
				       : cerr(EX_SYSTEM, errno, "create pre-copy object %s", name);
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
		if (n && !strcmp(n, PC_SUM_NAME)) {
			if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) != SHA256_HEX_LEN) {
				r = bad_stream("a malformed checksum");
				goto out;
			}
			break;
		}
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

/* Does the file at path (relative to the tree the archiver entered: stopped, nothing renames it
 * now) still hold rec's data? Opened beneath the working directory without any symlink. */
static bool same_data(const char *path, const struct pc_record *rec)
{
	_cleanup_close_ int fd = fs_open_beneath(AT_FDCWD, path, O_RDONLY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != rec->ino ||
	    (uint64_t)st.st_size != rec->size)
		return false;
	_cleanup_free_ char *buf = xmalloc(PC_BUF);
	struct sha256 h;
	sha256_init(&h);
	uint64_t done = 0;
	while (done < rec->size) {
		ssize_t n = read(fd, buf, PC_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		sha256_update(&h, buf, (size_t)n);
		done += (uint64_t)n;
	}
	uint8_t d[32];
	sha256_final(&h, d);
	return done == rec->size && !memcmp(d, rec->sha256, sizeof(d));
}

bool tpl_precopy_mark(struct archive_entry *e, const char *srcpath, struct tpl_precopy *pc, char *line, size_t len)
{
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) || archive_entry_size(e) <= 0)
		return false;
	/* stamped since t0: most likely changed, sent whole without reading it twice */
	int64_t cs = (int64_t)archive_entry_ctime(e);
	long cn = archive_entry_ctime_nsec(e);
	if (cs > pc->t0_sec || (cs == pc->t0_sec && cn >= pc->t0_nsec))
		return false;
	uint64_t ino = (uint64_t)archive_entry_ino64(e), size = (uint64_t)archive_entry_size(e);
	const struct pc_record *rec = pc_record_find(pc, ino);
	/* (once: on overlayfs two files of two layers may show one inode number) */
	if (!rec || rec->size != size || inoset_has(&pc->used, ino) || !same_data(srcpath, rec))
		return false;
	inoset_add(&pc->used, ino);
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
	uint64_t ino, sz;
	char *sp = strchr(v, ' ');
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) || archive_entry_size(e) != 0 || !sp ||
	    (*sp = '\0', parse_u64(v, &ino) < 0) || parse_u64(sp + 1, &sz) < 0)
		return cerr(EX_RESTORE, 0, "backup %s: '%s': a malformed pre-copy reference", tname, path);
	*sp = ' ';
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
		return n < 0 && errno != ENOTSUP ? cerr(EX_SYSTEM, errno, "backup %s: list the xattrs of '%s'", tname, path)
						 : 0;
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

/* The directory of path beneath rootfd (O_RDONLY: its project is read) and the last component in
 * *base (pointing into *rel, which the caller frees). */
static int place_parent(int rootfd, const char *path, const char *tname, const char *ep, char **rel, const char **base)
{
	*rel = tpl_path_clean(path);
	if (!*rel || !**rel)
		return cerr(EX_RESTORE, 0, "backup %s: a pre-copy reference at '%s'", tname, ep);
	char *slash = strrchr(*rel, '/');
	const char *dir = slash ? *rel : "";
	*base = slash ? slash + 1 : *rel;
	if (slash)
		*slash = '\0';
	int pfd = fs_open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY);
	if (pfd < 0)
		return cerr(EX_SYSTEM, -pfd, "backup %s: open the directory of '%s'", tname, ep);
	return pfd;
}

/* The object of ref in stagefd, checked: a regular file of one link and ref's size. */
static int open_object(int stagefd, const struct tpl_pc_ref *ref, char oname[24], const char *tname, const char *ep)
{
	snprintf(oname, 24, "%" PRIu64, ref->ino);
	int ofd = openat(stagefd, oname, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat os;
	if (ofd < 0 && errno == ENOENT)
		return cerr(EX_RESTORE, 0, "backup %s: '%s': its pre-copy object %s is missing (or referred to twice)",
			    tname, ep, oname);
	if (ofd < 0 || fstat(ofd, &os) < 0) {
		int e = errno;
		if (ofd >= 0)
			close(ofd);
		return cerr(EX_SYSTEM, e, "backup %s: open pre-copy object %s", tname, oname);
	}
	if (!S_ISREG(os.st_mode) || os.st_nlink != 1 || (uint64_t)os.st_size != ref->size) {
		close(ofd);
		return cerr(EX_RESTORE, 0,
			    "backup %s: '%s': its pre-copy object %s is not the file it refers to (%lld bytes, %llu "
			    "expected)",
			    tname, ep, oname, (long long)os.st_size, (unsigned long long)ref->size);
	}
	return ofd;
}

/* The object's last touches, then into place: its project made projid (a rename into an
 * inheriting directory of another project fails with EXDEV), its times tm, renamed to pfd/base. */
static int place_finish(int ofd, uint32_t projid, const struct timespec tm[2], int stagefd, const char *oname,
			int pfd, const char *base, const char *tname, const char *ep)
{
	struct fsxattr fo;
	if (ioctl(ofd, FS_IOC_FSGETXATTR, &fo) == 0 && fo.fsx_projid != projid) {
		fo.fsx_projid = projid;
		if (ioctl(ofd, FS_IOC_FSSETXATTR, &fo) < 0)
			return cerr(EX_SYSTEM, errno, "backup %s: set the project of '%s'", tname, ep);
	}
	if (futimens(ofd, tm) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: set the times of '%s'", tname, ep);
	/* (a file already at the name, of a stream that names it twice, is replaced as extraction
	 * would; a directory there makes this fail) */
	if (renameat(stagefd, oname, pfd, base) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: move pre-copy object %s to '%s'", tname, oname, ep);
	return 0;
}

int tpl_precopy_place(int rootfd, int stagefd, const char *path, const struct tpl_pc_ref *ref, const char *tname)
{
	char b[ESC];
	const char *ep = str_escape_buf(path, b, sizeof(b));
	_cleanup_free_ char *rel = NULL;
	const char *base;
	_cleanup_close_ int pfd = place_parent(rootfd, path, tname, ep, &rel, &base);
	if (pfd < 0)
		return pfd;
	/* the file extraction just made: empty, with the entry's owner, mode, xattrs, ACLs and times */
	_cleanup_close_ int tfd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat ts;
	if (tfd < 0 || fstat(tfd, &ts) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: open '%s'", tname, ep);
	if (!S_ISREG(ts.st_mode) || ts.st_size != 0)
		return cerr(EX_RESTORE, 0, "backup %s: '%s' is not the empty file a pre-copy reference needs", tname, ep);
	char oname[24];
	_cleanup_close_ int ofd = open_object(stagefd, ref, oname, tname, ep);
	if (ofd < 0)
		return ofd;
	/* chown first (it drops set-id bits and file capabilities), then xattrs, mode, times */
	if (fchown(ofd, ts.st_uid, ts.st_gid) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: chown '%s'", tname, ep);
	int r = copy_xattrs(tfd, ofd, tname, ep);
	if (r < 0)
		return r;
	if (fchmod(ofd, ts.st_mode & 07777) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: chmod '%s'", tname, ep);
	struct fsxattr ft = {0};
	ioctl(tfd, FS_IOC_FSGETXATTR, &ft);
	struct timespec tm[2] = {ts.st_atim, ts.st_mtim};
	return place_finish(ofd, ft.fsx_projid, tm, stagefd, oname, pfd, base, tname, ep);
}

int tpl_precopy_place_entry(int rootfd, int stagefd, struct archive_entry *e, const char *path,
			    const struct tpl_pc_ref *ref, const char *tname)
{
	char b[ESC];
	const char *ep = str_escape_buf(path, b, sizeof(b));
	_cleanup_free_ char *rel = NULL;
	const char *base;
	_cleanup_close_ int pfd = place_parent(rootfd, path, tname, ep, &rel, &base);
	if (pfd < 0)
		return pfd;
	char oname[24];
	_cleanup_close_ int ofd = open_object(stagefd, ref, oname, tname, ep);
	if (ofd < 0)
		return ofd;
	/* chown first (it drops set-id bits and file capabilities), then xattrs, mode, times: the
	 * entry's, as extraction would set them on a new file */
	if (geteuid() == 0 && fchown(ofd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: chown '%s'", tname, ep);
	const char *name;
	const void *value;
	size_t size;
	if (archive_entry_xattr_reset(e) > 0)
		while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
			if (fsetxattr(ofd, name, value, size, 0) == 0)
				continue;
			if (errno != ENOTSUP)
				return cerr(EX_SYSTEM, errno, "backup %s: set an xattr of '%s'", tname, ep);
			char nb[ESC];
			log_warn("backup %s: '%s': xattr %s not kept: %s", tname, ep, str_escape_buf(name, nb, sizeof(nb)),
				 strerror(errno));
		}
	if (fchmod(ofd, archive_entry_perm(e) & 07777) < 0)
		return cerr(EX_SYSTEM, errno, "backup %s: chmod '%s'", tname, ep);
	/* the project a new file there gets */
	struct fsxattr pd = {0};
	ioctl(pfd, FS_IOC_FSGETXATTR, &pd);
	struct timespec tm[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_OMIT}};
	if (archive_entry_atime_is_set(e))
		tm[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
	if (archive_entry_mtime_is_set(e))
		tm[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
	return place_finish(ofd, (pd.fsx_xflags & FS_XFLAG_PROJINHERIT) ? pd.fsx_projid : 0, tm, stagefd, oname, pfd,
			    base, tname, ep);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libarchive half of templates: extraction into private areas and packing caches. Kept apart
 * so that the cellctl command itself does not load libarchive (and its libxml2/ICU/libstdc++
 * chain) for every start and exec: it runs these through the cellctl-archive helper. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "idshift.h"
#include "fsutil.h"
#include "tplarchive.h"
#include "log.h"
#include "sha256.h"
#include "template.h"
#include "util.h"

static char *tpl_display_name(const char *archive)
{
	const char *b = strrchr(archive, '/');
	b = b ? b + 1 : archive;
	size_t n = strlen(b), s = tpl_suffix_len(b);
	return xstrndup(b, s < n ? n - s : n);
}

/* ---- extraction ---- */

/* How ids move. Extraction (tpl_extract_opts): ids of the template go into the container's block
 * (+shift; below size when size is set). Packing a container (tpl_pack_opts, unshift): ids in
 * [shift, shift+size) come back to id - shift, ids below size stay when low_kept (the overlay's
 * container-relative lower layer), any other owner or ACL id becomes TPL_OVERFLOW_ID (what the
 * guest saw: counted in outside) and a file capability of another root is dropped. */
struct idmove {
	uint32_t shift, size;
	bool unshift, low_kept;
	unsigned long outside;
};

static bool shift_id(const struct idmove *o, int64_t id, int64_t *out)
{
	if (o->unshift) {
		if (id >= (int64_t)o->shift && id < (int64_t)o->shift + (int64_t)o->size)
			*out = id - (int64_t)o->shift;
		else if (o->low_kept && id >= 0 && id < (int64_t)o->size)
			*out = id;
		else
			return false;
		return true;
	}
	if (id < 0 || (o->size && id >= (int64_t)o->size))
		return false;
	int64_t v = id + (int64_t)o->shift;
	if (v >= (int64_t)UINT32_MAX) /* (uid_t)-1 is never a valid owner */
		return false;
	*out = v;
	return true;
}

/* An owner or ACL id: as shift_id, but packing never fails (TPL_OVERFLOW_ID, counted). */
static bool move_id(struct idmove *o, int64_t id, int64_t *out)
{
	if (shift_id(o, id, out))
		return true;
	if (!o->unshift)
		return false;
	*out = TPL_OVERFLOW_ID;
	o->outside++;
	return true;
}

/* vfs capability xattr layout (linux/capability.h): magic_etc, 2 x (permitted, inheritable),
 * and for revision 3 the rootid. */

/* Rewrite a security.capability value so that it belongs to the container's root: v1/v2 (root id
 * 0) become v3 with the root id moved; a v3 gets its root id moved. out holds VFS_CAP_SZ3 bytes. */
static int shift_fcaps(const struct idmove *o, const unsigned char *v, size_t size, unsigned char *out)
{
	if (size < 4)
		return -EINVAL;
	uint32_t magic = le32_get(v), rev = magic & VFS_CAP_REV_MASK;
	int64_t root = 0;
	memset(out, 0, VFS_CAP_SZ3);
	if (rev == VFS_CAP_REV1 && size == VFS_CAP_SZ1) {
		memcpy(out + 4, v + 4, 8);
	} else if (rev == VFS_CAP_REV2 && size == VFS_CAP_SZ2) {
		memcpy(out + 4, v + 4, 16);
	} else if (rev == VFS_CAP_REV3 && size == VFS_CAP_SZ3) {
		memcpy(out + 4, v + 4, 16);
		root = le32_get(v + 20);
	} else {
		return -EINVAL;
	}
	int64_t nroot;
	if (!shift_id(o, root, &nroot))
		return -ERANGE;
	le32_put(out, (magic & ~VFS_CAP_REV_MASK) | VFS_CAP_REV3);
	le32_put(out + 20, (uint32_t)nroot);
	return 0;
}

/* Raw POSIX ACL xattr (system.posix_acl_*): version 2 header, then {u16 tag, u16 perm, u32 id}. */
#define PACL_VERSION 2u
#define PACL_USER 0x02u
#define PACL_GROUP 0x08u

static int shift_raw_acl(struct idmove *o, unsigned char *v, size_t size)
{
	if (size < 4 || (size - 4) % 8 != 0 || le32_get(v) != PACL_VERSION)
		return -EINVAL;
	for (size_t off = 4; off < size; off += 8) {
		unsigned tag = (unsigned)v[off] | (unsigned)v[off + 1] << 8;
		if (tag != PACL_USER && tag != PACL_GROUP)
			continue;
		int64_t id;
		if (!move_id(o, le32_get(v + off + 4), &id))
			return -ERANGE;
		le32_put(v + off + 4, (uint32_t)id);
	}
	return 0;
}

struct xa {
	char *name;
	void *value;
	size_t size;
};

static int shift_xattrs(struct archive_entry *e, struct idmove *o, const char *tname, const char *path)
{
	if (archive_entry_xattr_reset(e) <= 0)
		return 0;
	struct xa *v = NULL;
	size_t n = 0;
	const char *name;
	const void *value;
	size_t size;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].name = xstrdup(name);
		v[n].value = xmalloc(size > VFS_CAP_SZ3 ? size : VFS_CAP_SZ3);
		if (size)
			memcpy(v[n].value, value, size);
		v[n].size = size;
		n++;
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!strcmp(v[i].name, "security.capability")) {
			unsigned char out[VFS_CAP_SZ3];
			int k = shift_fcaps(o, v[i].value, v[i].size, out);
			if (k == -ERANGE && o->unshift) {
				log_warn("%s: '%s': the file capability of a root outside the container is dropped", tname,
					 path);
				free(v[i].name);
				v[i].name = NULL;
			} else if (k == -ERANGE) {
				r = cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s': file capability root id out of range",
					 tname, path);
			} else if (k < 0) {
				log_warn("template %s: dropping malformed file capability of '%s'", tname, path);
				free(v[i].name);
				v[i].name = NULL;
			} else {
				memcpy(v[i].value, out, VFS_CAP_SZ3);
				v[i].size = VFS_CAP_SZ3;
			}
		} else if (!strcmp(v[i].name, "system.posix_acl_access") || !strcmp(v[i].name, "system.posix_acl_default")) {
			int k = shift_raw_acl(o, v[i].value, v[i].size);
			if (k == -ERANGE) {
				r = cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s': ACL id out of range", tname, path);
			} else if (k < 0) {
				log_warn("template %s: dropping malformed ACL xattr of '%s'", tname, path);
				free(v[i].name);
				v[i].name = NULL;
			}
		}
	}
	if (r == 0) {
		archive_entry_xattr_clear(e);
		for (size_t i = 0; i < n; i++)
			if (v[i].name)
				archive_entry_xattr_add_entry(e, v[i].name, v[i].value, v[i].size);
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	return r;
}

struct aclent {
	int type, perm, tag, id;
};

/* Rebuild the entry's ACLs with USER/GROUP qualifiers shifted; names are dropped (numeric only). */
static int shift_acls(struct archive_entry *e, struct idmove *o, const char *tname, const char *path)
{
	int types = archive_entry_acl_types(e);
	if (!types)
		return 0;
	static const int wants[] = {ARCHIVE_ENTRY_ACL_TYPE_POSIX1E, ARCHIVE_ENTRY_ACL_TYPE_NFS4};
	struct aclent *v = NULL;
	size_t n = 0;
	for (size_t w = 0; w < ARRAY_SIZE(wants); w++) {
		if (!(types & wants[w]))
			continue;
		archive_entry_acl_reset(e, wants[w]);
		int type, perm, tag, id;
		const char *name;
		while (archive_entry_acl_next(e, wants[w], &type, &perm, &tag, &id, &name) == ARCHIVE_OK) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = (struct aclent){type, perm, tag, id};
		}
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i].tag != ARCHIVE_ENTRY_ACL_USER && v[i].tag != ARCHIVE_ENTRY_ACL_GROUP)
			continue;
		int64_t id;
		if (!move_id(o, v[i].id, &id))
			r = cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s': ACL id %d out of range", tname, path, v[i].id);
		else
			v[i].id = (int)id;
	}
	if (r == 0) {
		mode_t mode = archive_entry_mode(e);
		archive_entry_acl_clear(e);
		for (size_t i = 0; i < n; i++)
			archive_entry_acl_add_entry(e, v[i].type, v[i].perm, v[i].tag, v[i].id, NULL);
		archive_entry_set_mode(e, mode); /* the ACL_*_OBJ entries mirror the mode: keep it exact */
	}
	free(v);
	return r;
}

static int shift_entry(struct archive_entry *e, struct idmove *o, const char *tname, const char *path)
{
	int64_t uid, gid;
	if (!move_id(o, archive_entry_uid(e), &uid) || !move_id(o, archive_entry_gid(e), &gid))
		return cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s': owner %lld:%lld does not fit the id range (%u ids)",
			    tname, path, (long long)archive_entry_uid(e), (long long)archive_entry_gid(e), o->size);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	int r = shift_acls(e, o, tname, path);
	if (r == 0)
		r = shift_xattrs(e, o, tname, path);
	return r;
}

/* Entry names and libarchive's messages (which quote them) come from the archive: escaped before
 * they reach a terminal or the log. */
#define ESC_LEN TPL_ESC_LEN
static const char *esc(const char *s, char *buf)
{
	return str_escape_buf(s ? s : "(unreadable name)", buf, ESC_LEN);
}

struct xctx {
	int rootfd; /* the destination */
	const char *archive, *tname;
	const struct tpl_extract_opts *o;
	uint64_t sparse_total;
	char last[ESC_LEN]; /* the last entry read (escaped), for errors found before the next name */
	const char *strip;  /* a backup's tree: only names under strip ("root"), extracted without it; the
			     * first other name ends the extraction (its entry in stop) */
	struct sha256 *hash;
	struct archive_entry *stop;
	int stagefd; /* a migration's pre-copy objects (tpl_extract_opts.precopy_dir), or -1 */
};

static int unsafe(const struct xctx *x, const char *path, const char *why)
{
	char b[ESC_LEN];
	return cerr(EX_BADTEMPLATE, 0, "template %s: unsafe entry '%s'%s", x->tname, esc(path, b), why);
}

/* A backup's entry: hashed, then its name (and a hard link's target) taken out of x->strip.
 * 1 when it is outside (the end of the tree), -errno on an unsafe link. */
static int strip_entry(struct xctx *x, struct archive_entry *e)
{
	size_t n = strlen(x->strip);
	const char *path = archive_entry_pathname(e);
	if (!path || strncmp(path, x->strip, n) || (path[n] && path[n] != '/'))
		return 1;
	tpl_archive_hash_entry(x->hash, e);
	_cleanup_free_ char *np = xasprintf(".%s", path + n);
	archive_entry_copy_pathname(e, np);
	const char *link = archive_entry_hardlink(e);
	if (link) {
		if (strncmp(link, x->strip, n) || link[n] != '/')
			return unsafe(x, link, " (a hard link out of the tree)");
		_cleanup_free_ char *nl = xasprintf(".%s", link + n);
		archive_entry_copy_hardlink(e, nl);
	}
	return 0;
}

/* Split a canonical name into its directory ("" for the top) and last component (in place). */
static void split_last(char *clean, const char **dir, const char **base)
{
	char *s = strrchr(clean, '/');
	if (!s) {
		*dir = "";
		*base = clean;
		return;
	}
	*s = '\0';
	*dir = clean;
	*base = s + 1;
}

/* The directory an entry goes into, opened beneath the destination without following any
 * symlink: one openat2 per entry, whose walk in the kernel costs the length of the name (a stat
 * of every prefix of every name made deep trees cubic). -ENOENT when part of it is still missing
 * (libarchive creates it, as directories, below components the walk saw to be real ones). */
static int open_parent(const struct xctx *x, const char *path, const char *dir, const char *what)
{
	int fd = fs_open_beneath(x->rootfd, dir, O_PATH | O_DIRECTORY);
	if (fd >= 0 || fd == -ENOENT)
		return fd;
	if (fd == -ELOOP)
		return unsafe(x, path, what[0] ? " (its hard link target passes through a symbolic link)"
					       : " (it passes through a symbolic link)");
	if (fd == -ENOTDIR)
		return unsafe(x, path, " (a part of its path is not a directory)");
	if (fd == -EXDEV)
		return unsafe(x, path, " (it crosses a mount point)");
	char b[ESC_LEN];
	return cerr(EX_SYSTEM, fd, "template %s: open the directory of '%s'", x->tname, esc(path, b));
}

/* Make room for a new object at pfd/base, as libarchive does: an existing non-directory goes, an
 * existing directory must be empty. */
static int replace_at(const struct xctx *x, int pfd, const char *base, const char *path)
{
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    unlinkat(pfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
		char b[ESC_LEN];
		return cerr(EX_BADTEMPLATE, errno, "template %s: cannot replace '%s'", x->tname, esc(path, b));
	}
	return 0;
}

/* A device node, created by us: mode 0 until it belongs to the (shifted) owner, then the
 * archive's permission bits without set-id or sticky bits. Only in dev/ (the caller checks). */
static int make_node(const struct xctx *x, int pfd, const char *base, struct archive_entry *e, const char *path)
{
	char b[ESC_LEN];
	int r = replace_at(x, pfd, base, path);
	if (r < 0)
		return r;
	mode_t type = archive_entry_filetype(e) == AE_IFBLK ? S_IFBLK : S_IFCHR;
	if (mknodat(pfd, base, type | 0, archive_entry_rdev(e)) < 0)
		return cerr(EX_SYSTEM, errno, "create device node '%s' of template %s", esc(path, b), x->tname);
	if (geteuid() == 0 &&
	    fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return cerr(EX_SYSTEM, errno, "chown device node '%s' of template %s", esc(path, b), x->tname);
	/* (the node was made just now, in a directory nobody else writes to during a create) */
	if (fchmodat(pfd, base, archive_entry_perm(e) & 0777, 0) < 0)
		return cerr(EX_SYSTEM, errno, "chmod device node '%s' of template %s", esc(path, b), x->tname);
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
	if (archive_entry_atime_is_set(e))
		ts[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
	if (archive_entry_mtime_is_set(e))
		ts[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		log_warn("template %s: cannot set the times of '%s': %s", x->tname, esc(path, b), strerror(errno));
	return 0;
}

/* Check one entry before libarchive writes it, and do what libarchive must not: every directory
 * on the way is a real directory beneath the destination, a symlink at the name is removed
 * rather than followed, a hard link's target is an existing non-directory beneath the
 * destination (a link to anything but a regular file is made here, without metadata: libarchive
 * would chmod through a linked symlink), device nodes exist only in dev/ (made here, by
 * make_node). *done: the entry is complete (libarchive must skip it). */
static int entry_prepare(struct xctx *x, struct archive_entry *e, const char *path, const char *link, bool *done)
{
	*done = false;
	_cleanup_free_ char *rel = path ? tpl_path_clean(path) : NULL;
	if (!rel)
		return unsafe(x, path, "");
	mode_t type = archive_entry_filetype(e);
	bool dev = !link && (type == AE_IFCHR || type == AE_IFBLK);
	if (!*rel) {
		if (type != AE_IFDIR || link)
			return unsafe(x, path, " (the top of the template must be a directory)");
		return 0;
	}
	if (dev && !tpl_path_in_dev(rel) && !(x->o && x->o->lower && x->o->layer && tpl_archive_whiteout(e))) {
		char b[ESC_LEN];
		return cerr(EX_BADTEMPLATE, 0, "template %s: device node '%s' outside /dev (refused)", x->tname,
			    esc(path, b));
	}
	_cleanup_free_ char *buf = xstrdup(rel);
	const char *dir, *base;
	split_last(buf, &dir, &base);
	_cleanup_close_ int pfd = open_parent(x, path, dir, "");
	if (pfd < 0 && pfd != -ENOENT)
		return pfd;
	if (pfd >= 0) {
		struct stat st;
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
		    unlinkat(pfd, base, 0) < 0 && errno != ENOENT) {
			char b[ESC_LEN];
			return cerr(EX_SYSTEM, errno, "template %s: remove the symbolic link at '%s'", x->tname,
				    esc(path, b));
		}
	}
	if (link) {
		char b[ESC_LEN], lb[ESC_LEN];
		_cleanup_free_ char *lrel = tpl_path_clean(link);
		if (!lrel || !*lrel)
			return cerr(EX_BADTEMPLATE, 0, "template %s: unsafe entry '%s' (hard link to '%s')", x->tname,
				    esc(path, b), esc(link, lb));
		const char *ldir, *lbase;
		split_last(lrel, &ldir, &lbase);
		_cleanup_close_ int lfd = open_parent(x, path, ldir, "link");
		struct stat st;
		if (lfd == -ENOENT || (lfd >= 0 && fstatat(lfd, lbase, &st, AT_SYMLINK_NOFOLLOW) < 0))
			return cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s' is a hard link to '%s', which is not there",
				    x->tname, esc(path, b), esc(link, lb));
		if (lfd < 0)
			return lfd;
		if (S_ISDIR(st.st_mode))
			return cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s' is a hard link to the directory '%s'",
				    x->tname, esc(path, b), esc(link, lb));
		if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && !tpl_path_in_dev(rel))
			return cerr(EX_BADTEMPLATE, 0, "template %s: device node '%s' outside /dev (a hard link to '%s', refused)",
				    x->tname, esc(path, b), esc(link, lb));
		if (!S_ISREG(st.st_mode)) {
			/* libarchive would apply the entry's mode (and data) by name, through the link when
			 * the target is a symlink: a second name needs no metadata, made here */
			if (pfd < 0)
				return cerr(EX_BADTEMPLATE, 0, "template %s: hard link '%s' comes before its directory",
					    x->tname, esc(path, b));
			int r = replace_at(x, pfd, base, path);
			if (r < 0)
				return r;
			if (linkat(lfd, lbase, pfd, base, 0) < 0)
				return cerr(EX_SYSTEM, errno, "template %s: hard link '%s' to '%s'", x->tname, esc(path, b),
					    esc(link, lb));
			*done = true;
			return 0;
		}
	}
	if (dev) {
		char b[ESC_LEN];
		if (pfd < 0)
			return cerr(EX_BADTEMPLATE, 0, "template %s: device node '%s' comes before its directory",
				    x->tname, esc(path, b));
		int r = make_node(x, pfd, base, e, path);
		if (r < 0)
			return r;
		*done = true;
	}
	return 0;
}

/* Sparse maps live in libarchive's memory while an entry is read (the address-space limit of
 * cellctl-archive bounds that); these bounds refuse absurd ones with a clear message. */
static int sparse_ok(struct xctx *x, struct archive_entry *e, const char *path)
{
	int n = archive_entry_sparse_count(e);
	if (n <= 0)
		return 0;
	char b[ESC_LEN];
	if ((unsigned)n > TPL_SPARSE_MAX_FILE)
		return cerr(EX_BADTEMPLATE, 0, "template %s: entry '%s' is a sparse file of %d segments (at most %u)",
			    x->tname, esc(path, b), n, TPL_SPARSE_MAX_FILE);
	x->sparse_total += (unsigned)n;
	if (x->sparse_total > TPL_SPARSE_MAX_TOTAL)
		return cerr(EX_BADTEMPLATE, 0, "template %s: its sparse files have more than %u segments in all (at '%s')",
			    x->tname, TPL_SPARSE_MAX_TOTAL, esc(path, b));
	return 0;
}

static bool is_system_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS || e == ENOMEM || e == EMFILE || e == ENFILE ||
	       e == EACCES || e == EPERM;
}

static int write_fail(struct archive *w, const struct xctx *x, const char *path)
{
	int e = archive_errno(w);
	char b[ESC_LEN], m[ESC_LEN];
	const char *msg = archive_error_string(w);
	if (is_system_errno(e))
		return cerr(EX_SYSTEM, e, "extract '%s' of template %s", esc(path, b), x->tname);
	return cerr(EX_BADTEMPLATE, 0, "template %s: cannot extract '%s': %s", x->tname, esc(path, b),
		    esc(msg ? msg : "unknown error", m));
}

static int corrupt(struct archive *r, const struct xctx *x)
{
	char m[ESC_LEN];
	if (archive_errno(r) == ENOMEM)
		return cerr(EX_BADTEMPLATE, 0,
			    "template %s: the entry after '%s' needs more memory than extraction may use (%u MiB): "
			    "an absurd sparse map or header",
			    x->tname, x->last[0] ? x->last : "(none)", TPL_EXTRACT_MEMORY_MIB);
	const char *msg = archive_error_string(r);
	return cerr(EX_BADTEMPLATE, 0, "template %s is corrupt: %s", x->archive, esc(msg ? msg : "read error", m));
}

/* The body of tpl_archive_extract, run with the cwd in the destination (x->rootfd). */
static int extract_all(struct archive *rd, struct archive *w, struct xctx *x)
{
	const struct tpl_extract_opts *o = x->o;
	struct idmove mv = {.shift = o ? o->uid_shift : 0, .size = o ? o->uid_size : 0};
	struct archive_entry *e;
	unsigned long files = 0;
	char b[ESC_LEN], m[ESC_LEN];
	for (;;) {
		if (o && o->cancel && *o->cancel)
			return -EINTR;
		int r = archive_read_next_header(rd, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN)
			log_warn("template %s: %s", x->tname, esc(archive_error_string(rd), m));
		else if (r != ARCHIVE_OK)
			return corrupt(rd, x);
		if (x->strip && (r = strip_entry(x, e)) != 0) {
			if (r < 0)
				return r;
			x->stop = e;
			break;
		}
		const char *path = archive_entry_pathname(e);
		const char *link = archive_entry_hardlink(e);
		esc(path, x->last);
		if (!path || !tpl_path_ok(path))
			return unsafe(x, path, "");
		if ((r = sparse_ok(x, e, path)) < 0)
			return r;
		/* a migration's reference to a pre-copied file: taken off before anything reads xattrs */
		struct tpl_pc_ref ref = {0};
		if (x->strip && (r = tpl_precopy_take_ref(e, x->stagefd >= 0, x->hash, &ref, x->tname, x->last)) < 0)
			return r;
		/* numeric owners only: names in the archive mean nothing on this host */
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		/* mapped ownership extracts with no shift, its ids still checked against the block */
		if (o && (o->uid_shift || o->uid_size) && (r = shift_entry(e, &mv, x->tname, esc(path, b))) < 0)
			return r;
		if (o && o->lower)
			tpl_archive_ovl_extract(e, o->layer, x->tname, esc(path, b));
		bool done;
		if ((r = entry_prepare(x, e, path, link, &done)) < 0)
			return r;
		/* a pre-copied file's object goes into place (one with ACLs over a file made first, below) */
		if (!done && ref.set && !archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_POSIX1E)) {
			if ((r = tpl_precopy_place_entry(x->rootfd, x->stagefd, e, path, &ref, x->tname)) < 0)
				return r;
			done = true;
		}
		if (done) {
			files++;
			continue; /* (a device node has no data; a placed object has its own) */
		}
		r = archive_write_header(w, e);
		if (r == ARCHIVE_WARN)
			log_warn("template %s: '%s': %s", x->tname, esc(path, b), esc(archive_error_string(w), m));
		else if (r != ARCHIVE_OK)
			return write_fail(w, x, path);
		la_int64_t hdone = 0;
		for (;;) {
			const void *buf;
			size_t size;
			la_int64_t off;
			r = archive_read_data_block(rd, &buf, &size, &off);
			if (r == ARCHIVE_EOF)
				break;
			if (r < ARCHIVE_WARN)
				return corrupt(rd, x);
			if (x->hash) {
				tpl_archive_hash_zeros(x->hash, off > hdone ? (uint64_t)(off - hdone) : 0);
				sha256_update(x->hash, buf, size);
				hdone = off + (la_int64_t)size;
			}
			if (o && o->cancel && *o->cancel)
				return -EINTR;
			if (archive_write_data_block(w, buf, size, off) < ARCHIVE_WARN)
				return write_fail(w, x, path);
		}
		if (x->hash && archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > hdone)
			tpl_archive_hash_zeros(x->hash, (uint64_t)(archive_entry_size(e) - hdone));
		r = archive_write_finish_entry(w);
		if (r == ARCHIVE_WARN)
			log_warn("template %s: '%s': %s", x->tname, esc(path, b), esc(archive_error_string(w), m));
		else if (r != ARCHIVE_OK)
			return write_fail(w, x, path);
		if (ref.set && (r = tpl_precopy_place(x->rootfd, x->stagefd, path, &ref, x->tname)) < 0)
			return r;
		files++;
	}
	/* directory permissions and times are fixed up here, still relative to the cwd */
	if (archive_write_close(w) != ARCHIVE_OK)
		return write_fail(w, x, "(deferred directory attributes)");
	log_debug("template %s: extracted %lu entries", x->tname, files);
	return 0;
}

int tpl_archive_extract_from(struct archive *rd, const char *archive, const char *destdir,
			     const struct tpl_extract_opts *o, const char *strip, struct sha256 *hash,
			     struct archive_entry **stop)
{
	_cleanup_free_ char *tname = tpl_display_name(archive);
	_cleanup_close_ int dfd = open(destdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", destdir);
	_cleanup_close_ int oldcwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldcwd < 0)
		return cerr(EX_SYSTEM, errno, "open the current directory");
	struct archive *w = archive_write_disk_new();
	if (!w)
		abort();
	_cleanup_close_ int sfd = -1;
	if (o && o->precopy_dir && (sfd = open(o->precopy_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return cerr(EX_SYSTEM, errno, "open %s", o->precopy_dir);
	struct xctx x = {
		.rootfd = dfd, .archive = archive, .tname = tname, .o = o, .strip = strip, .hash = hash, .stagefd = sfd};
	/* no archive_write_disk_set_standard_lookup(): owners stay numeric, names never mapped.
	 * Not ARCHIVE_EXTRACT_SECURE_SYMLINKS: entry_prepare does its job with one openat2 per entry
	 * and removes a symlink at the name itself, as libarchive would (libarchive's own walk costs
	 * an open, a stat and a close per component of every name: 3-10x slower on deep trees). */
	int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM |
		    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SPARSE;
	/* owners need root; without it (unit tests) every entry would only warn */
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	else if (o && o->uid_shift)
		log_warn("extracting %s without root: the uid shift cannot be applied", archive);
	archive_write_disk_set_options(w, flags);
	if (fchdir(dfd) < 0) {
		archive_write_free(w);
		return cerr(EX_SYSTEM, errno, "enter %s", destdir);
	}
	log_debug("extracting %s into %s (uid shift %u)", archive, destdir, o ? o->uid_shift : 0);
	int r = extract_all(rd, w, &x);
	archive_write_free(w); /* after an error this runs the deferred fixups: they need the cwd */
	if (fchdir(oldcwd) < 0)
		log_warn("cannot return to the previous working directory: %s", strerror(errno));
	if (stop)
		*stop = x.stop;
	return r;
}

int tpl_archive_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o)
{
	_cleanup_close_ int afd = open(archive, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (afd < 0) {
		if (errno == ENOENT)
			return cerr(EX_NOTEMPLATE, errno, "open template %s", archive);
		return cerr(EX_SYSTEM, errno, "open template %s", archive);
	}
	struct archive *rd = archive_read_new();
	if (!rd)
		abort();
	tpl_archive_read_setup(rd);
	int r;
	if (archive_read_open_fd(rd, afd, 64 * 1024) != ARCHIVE_OK) {
		_cleanup_free_ char *tname = tpl_display_name(archive);
		struct xctx x = {.archive = archive, .tname = tname};
		r = corrupt(rd, &x);
	} else {
		r = tpl_archive_extract_from(rd, archive, destdir, o, NULL, NULL, NULL);
	}
	archive_read_free(rd);
	return r;
}

/* ---- packing ---- */

/* An updating "packing NAME: N files, M MiB" line on a terminal (stderr), nothing otherwise. */
struct pack_progress {
	bool on;
	const char *name;
	unsigned long files;
	uint64_t bytes, start_ms, last_ms;
	const char *prefix;  /* entry names: prefix for the top, prefix/x/y below ("." when NULL) */
	struct sha256 *hash; /* non-NULL: the payload hashed (tpl_archive_hash_entry, data) */
	bool layer;          /* an upper layer (tpl_pack_opts.layer) */
	struct tpl_precopy *precopy; /* a migration's final pass (tpl_pack_opts.precopy) */
};

static void pack_progress_show(struct pack_progress *p, bool force)
{
	if (!p->on)
		return;
	uint64_t t = now_ms();
	if (!force && t - p->last_ms < 200)
		return;
	p->last_ms = t;
	fprintf(stderr, "\rpacking %s: %lu files, %llu MiB", p->name, p->files, (unsigned long long)(p->bytes >> 20));
	fflush(stderr);
}

/* The last word: replaces the progress line (or ends it after a failure). */
static void pack_progress_done(struct pack_progress *p, int fd, bool ok)
{
	if (!p->on)
		return;
	struct stat st;
	if (!ok || fstat(fd, &st) < 0) {
		fputc('\n', stderr);
		return;
	}
	uint64_t ms = now_ms() - p->start_ms;
	fprintf(stderr, "\r\033[Kpacked %s: %lu files, %llu MiB in %llu.%llu s, archive %llu MiB\n", p->name, p->files,
		(unsigned long long)(p->bytes >> 20), (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000 / 100),
		(unsigned long long)((st.st_size + (1 << 19)) >> 20));
}

/* Copy the current entry's data from the disk reader, filling holes with zeros (the pax writer
 * skips them again for sparse entries). */
static int pack_data(struct archive *d, struct archive *w, const char *srcpath, struct pack_progress *p, la_int64_t total)
{
	static const char zeros[16384];
	la_int64_t done = 0;
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(d, &buf, &size, &off);
		if (r == ARCHIVE_EOF) {
			if (p->hash && done < total)
				tpl_archive_hash_zeros(p->hash, (uint64_t)(total - done));
			return 0;
		}
		if (r < ARCHIVE_WARN) {
			char b[ESC_LEN], m[ESC_LEN];
			return cerr(EX_SYSTEM, archive_errno(d), "read %s: %s", esc(srcpath, b), esc(archive_error_string(d), m));
		}
		while (done < off) {
			size_t n = (size_t)(off - done) < sizeof(zeros) ? (size_t)(off - done) : sizeof(zeros);
			if (archive_write_data(w, zeros, n) < 0)
				return cerr(EX_SYSTEM, archive_errno(w), "write archive: %s", archive_error_string(w));
			if (p->hash)
				sha256_update(p->hash, zeros, n);
			done += (la_int64_t)n;
		}
		if (size && archive_write_data(w, buf, size) < 0)
			return cerr(EX_SYSTEM, archive_errno(w), "write archive: %s", archive_error_string(w));
		if (p->hash)
			sha256_update(p->hash, buf, size);
		done = off + (la_int64_t)size;
		p->bytes += size;
	}
}

/* Name an entry relative to the packed tree: prefix (".") for the top, "prefix/x/y" below it. */
static char *pack_entry_name(const char *top, const char *path, const char *prefix)
{
	size_t n = strlen(top);
	if (!prefix)
		prefix = ".";
	if (!strcmp(path, top))
		return xstrdup(prefix);
	if (!strncmp(path, top, n) && path[n] == '/')
		return xasprintf("%s%s", prefix, path + n);
	return NULL;
}

static int pack_tree(struct archive *d, struct archive *w, const char *top, struct idmove *mv, struct pack_progress *p)
{
	struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
	if (!lr)
		abort();
	archive_entry_linkresolver_set_strategy(lr, archive_format(w));
	int ret = 0;
	char wb[ESC_LEN], wb2[ESC_LEN]; /* names (and messages quoting them) of a container's tree are the guest's */
	for (;;) {
		struct archive_entry *e = archive_entry_new();
		if (!e)
			abort();
		int r = archive_read_next_header2(d, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r == ARCHIVE_WARN) {
			log_warn("pack %s: %s", top, esc(archive_error_string(d), wb));
		} else if (r == ARCHIVE_FAILED) {
			log_warn("pack %s: skipping an entry: %s", top, esc(archive_error_string(d), wb));
			archive_entry_free(e);
			continue;
		} else if (r != ARCHIVE_OK) {
			ret = cerr(EX_SYSTEM, archive_errno(d), "read %s: %s", top, archive_error_string(d));
			archive_entry_free(e);
			break;
		}
		archive_read_disk_descend(d);
		_cleanup_free_ char *srcpath = xstrdup(archive_entry_pathname(e));
		_cleanup_free_ char *name = pack_entry_name(top, srcpath, p->prefix);
		if (!name) {
			ret = cerr(EX_SYSTEM, 0, "pack %s: unexpected path %s", top, esc(srcpath, wb));
			archive_entry_free(e);
			break;
		}
		archive_entry_copy_pathname(e, name);
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		char eb[ESC_LEN]; /* (names in a container's tree are the guest's) */
		/* (a whiteout of an upper layer is host root's: tpl_archive_ovl_pack makes it 0:0) */
		if ((mv && !(p->layer && tpl_archive_whiteout(e)) && (ret = shift_entry(e, mv, top, esc(name, eb))) < 0) ||
		    (p->layer && (ret = tpl_archive_ovl_pack(e, top, esc(name, eb))) < 0)) {
			archive_entry_free(e);
			break;
		}

		struct archive_entry *sparse = NULL;
		archive_entry_linkify(lr, &e, &sparse);
		char ref[80];
		bool marked = e && p->precopy && tpl_precopy_mark(e, srcpath, p->precopy, ref, sizeof(ref));
		if (e && p->hash) {
			tpl_archive_hash_entry(p->hash, e);
			if (marked)
				sha256_update(p->hash, ref, strlen(ref));
		}
		if (e) {
			r = archive_write_header(w, e);
			if (r == ARCHIVE_WARN) {
				log_warn("pack %s: %s", esc(srcpath, wb), esc(archive_error_string(w), wb2));
			} else if (r == ARCHIVE_FAILED) {
				/* e.g. sockets, which tar cannot hold */
				log_warn("pack: skipping %s: %s", esc(srcpath, wb), esc(archive_error_string(w), wb2));
				archive_entry_free(e);
				continue;
			} else if (r != ARCHIVE_OK) {
				ret = cerr(EX_SYSTEM, archive_errno(w), "write archive: %s", archive_error_string(w));
				archive_entry_free(e);
				break;
			}
			if (archive_entry_size(e) > 0 && (ret = pack_data(d, w, srcpath, p, archive_entry_size(e))) < 0) {
				archive_entry_free(e);
				break;
			}
			if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
				ret = cerr(EX_SYSTEM, archive_errno(w), "write archive: %s", archive_error_string(w));
				archive_entry_free(e);
				break;
			}
			archive_entry_free(e);
		}
		if (sparse) /* not produced by the tar strategy */
			archive_entry_free(sparse);
		p->files++;
		pack_progress_show(p, false);
	}
	archive_entry_linkresolver_free(lr);
	return ret;
}

static int pack_at(const char *srcdir, const char *archive, const struct tpl_pack_opts *o)
{
	bool progress = o && o->progress;
	struct idmove mv = {.shift = o ? o->id_base : 0, .size = o ? o->id_size : 0, .unshift = true,
			    .low_kept = o && o->low_kept};
	struct stat st;
	if (stat(srcdir, &st) < 0)
		return cerr(EX_SYSTEM, errno, "pack %s", srcdir);
	if (!S_ISDIR(st.st_mode))
		return cerr(EX_SYSTEM, ENOTDIR, "pack %s", srcdir);
	if (!tpl_suffix_len(archive))
		return cerr(EX_BADVALUE, 0, "pack %s: unknown archive type (use .tar.zst, .tar.xz, .tar.gz, .tar.bz2 or .tar)",
			    archive);

	/* entry names are made relative to top, so it is spelled without trailing slashes */
	_cleanup_free_ char *top = xstrdup(srcdir);
	for (size_t n = strlen(top); n > 1 && top[n - 1] == '/'; n--)
		top[n - 1] = '\0';

	const char *slash = strrchr(archive, '/');
	_cleanup_free_ char *tmp = slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - archive), archive, slash + 1)
					 : xasprintf(".%s.XXXXXX", archive);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_SYSTEM, errno, "create %s", tmp);

	struct archive *w = archive_write_new(), *d = archive_read_disk_new();
	if (!w || !d)
		abort();
	_cleanup_free_ char *tname = tpl_display_name(archive);
	struct pack_progress p = {
		.on = progress && isatty(STDERR_FILENO), .name = tname, .start_ms = now_ms(), .layer = o && o->layer};
	int r = 0;
	if (archive_write_set_format_pax_restricted(w) != ARCHIVE_OK || tpl_archive_add_filter(w, archive) != ARCHIVE_OK ||
	    archive_write_open_fd(w, fd) != ARCHIVE_OK) {
		r = cerr(EX_SYSTEM, archive_errno(w), "write %s: %s", archive, archive_error_string(w));
		goto out;
	}
	/* physical walk, numeric owners (no lookup functions), xattrs and ACLs kept, no mounts */
	archive_read_disk_set_symlink_physical(d);
	archive_read_disk_set_behavior(d, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS);
	if (archive_read_disk_open(d, top) != ARCHIVE_OK) {
		r = cerr(EX_SYSTEM, archive_errno(d), "read %s: %s", top, archive_error_string(d));
		goto out;
	}
	log_debug("packing %s into %s", top, archive);
	if (mv.size && mv.low_kept && mv.shift < mv.size) {
		r = cerr(EX_SYSTEM, EINVAL, "pack %s: the id block %u+%u overlaps the container-relative ids", top, mv.shift,
			 mv.size);
		goto out;
	}
	r = pack_tree(d, w, top, mv.size ? &mv : NULL, &p);
	if (mv.outside)
		log_warn("pack %s: %lu owners or ACL ids outside the container's ids became %u", top, mv.outside,
			 TPL_OVERFLOW_ID);
	if (r == 0 && archive_write_close(w) != ARCHIVE_OK)
		r = cerr(EX_SYSTEM, archive_errno(w), "write %s: %s", archive, archive_error_string(w));
	if (r == 0 && fsync(fd) < 0)
		r = cerr(EX_SYSTEM, errno, "write %s", tmp);
	/* templates may hold secrets (shadow, host keys): keep the cache file private */
	if (r == 0 && fchmod(fd, 0600) < 0)
		r = cerr(EX_SYSTEM, errno, "chmod %s", tmp);
	if (r == 0 && rename(tmp, archive) < 0)
		r = cerr(EX_SYSTEM, errno, "rename %s to %s", tmp, archive);
out:
	pack_progress_show(&p, true);
	pack_progress_done(&p, fd, r == 0);
	archive_read_free(d);
	archive_write_free(w);
	if (r < 0)
		unlink(tmp);
	else
		log_debug("packed %lu files, %llu bytes of data into %s", p.files, (unsigned long long)p.bytes, archive);
	return r;
}

int tpl_archive_pack_into(struct archive *w, const char *top, const struct tpl_pack_opts *o, const char *prefix,
			  struct sha256 *hash, unsigned long *files, uint64_t *bytes)
{
	struct idmove mv = {.shift = o->id_base, .size = o->id_size, .unshift = true, .low_kept = o->low_kept};
	if (mv.size && mv.low_kept && mv.shift < mv.size)
		return cerr(EX_SYSTEM, EINVAL, "pack %s: the id block %u+%u overlaps the container-relative ids", top,
			    mv.shift, mv.size);
	struct archive *d = archive_read_disk_new();
	if (!d)
		abort();
	struct pack_progress p = {.on = o->progress && isatty(STDERR_FILENO),
				  .name = prefix ? prefix : top,
				  .start_ms = now_ms(),
				  .prefix = prefix,
				  .hash = hash,
				  .precopy = o->precopy};
	int r;
	archive_read_disk_set_symlink_physical(d);
	archive_read_disk_set_behavior(d, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS);
	if (archive_read_disk_open(d, top) != ARCHIVE_OK)
		r = cerr(EX_SYSTEM, archive_errno(d), "read %s: %s", top, archive_error_string(d));
	else
		r = pack_tree(d, w, top, mv.size ? &mv : NULL, &p);
	if (mv.outside)
		log_warn("pack %s: %lu owners or ACL ids outside the container's ids became %u", top, mv.outside,
			 TPL_OVERFLOW_ID);
	if (p.on)
		fputs(r == 0 ? "\r\033[K" : "\n", stderr);
	archive_read_free(d);
	*files = p.files;
	*bytes = p.bytes;
	return r;
}

int tpl_archive_pack(const char *srcdir, const char *archive, const struct tpl_pack_opts *o)
{
	if (!o || o->srcfd <= 0)
		return pack_at(srcdir, archive, o);
	/* a directory open at srcfd (a detached mount: no path reaches it) is packed as "." from it */
	_cleanup_free_ char *abs = NULL;
	if (archive[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return cerr(EX_SYSTEM, errno, "the current directory");
		archive = abs = xasprintf("%s/%s", cwd, archive);
	}
	_cleanup_close_ int oldcwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldcwd < 0)
		return cerr(EX_SYSTEM, errno, "open the current directory");
	if (fchdir(o->srcfd) < 0)
		return cerr(EX_SYSTEM, errno, "enter the directory to pack (fd %d)", o->srcfd);
	int r = pack_at(".", archive, o);
	if (fchdir(oldcwd) < 0)
		log_warn("cannot return to the previous working directory: %s", strerror(errno));
	return r;
}


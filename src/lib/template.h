/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OS templates: tarballs in template_dir/cache, unpacked with libarchive into private areas. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Is an archive entry name safe to extract? Rejects absolute paths, ".." components, empty
 * names, and names over PATH_MAX. Leading "./" is fine. Pure. */
bool tpl_path_ok(const char *name);
/* The canonical form of an entry name that tpl_path_ok accepts: relative, no empty or "."
 * components, no trailing slash ("" for the top itself). NULL when the name is unsafe. Pure. */
char *tpl_path_clean(const char *name);
/* Is a canonical entry name (tpl_path_clean) inside the template's dev/ (not dev itself)? Pure. */
bool tpl_path_in_dev(const char *clean);
/* Is a template name well formed ([A-Za-z0-9._-]+, not starting with '.')? Pure. */
bool tpl_name_ok(const char *name);
/* Find the cache file for NAME (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2 in that order of
 * preference: zst first). Returns malloc'd path or NULL. */
char *tpl_find(const struct gconf *g, const char *name);
/* Length of a known archive suffix (".tar.zst" ...) at the end of name, 0 when none. */
size_t tpl_suffix_len(const char *name);

/* What one template may ask of cellctl-archive (see SECURITY in cellctl(8)): its address space,
 * and the segments of sparse files, per file and in all. */
#define TPL_EXTRACT_MEMORY_MIB 256u
#define TPL_SPARSE_MAX_FILE 65536u
#define TPL_SPARSE_MAX_TOTAL (1u << 20)

struct tpl_extract_opts {
	uint32_t uid_shift; /* added to every uid/gid (and ACL ids, file-capability rootid); 0 = none */
	uint32_t uid_size;  /* ids must be < uid_size (0 = no check); with a size and no shift (a mapped
			       private area) the ids stay and file capabilities become v3 with rootid 0 */
	volatile int *cancel; /* checked per entry: non-zero aborts with -EINTR */
	bool lower;           /* destdir is a template tree (an overlayfs lower layer): every trusted.overlay.*
			       * xattr is dropped (a private copy and a backup keep them: the guest's own) */
	bool layer;           /* with lower, a layer template (template commit --layer): overlayfs's whiteouts
			       * (character devices 0:0) anywhere and trusted.overlay.opaque "y" are kept */
	const char *precopy_dir; /* a backup: a migration's final pass, whose references (precopy.h) name
				  * objects of this stage directory; NULL: a reference is refused */
};
/* Extract archive file into directory destdir (which must exist and be empty). Secure flags,
 * numeric owners, modes, hard links, symlinks, device nodes (in dev/ only, created with mode 0
 * and only opened up once they belong to the shifted owner), xattrs, ACLs, file capabilities.
 * Every entry's directory is opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) from the
 * destination: linear in the archive's size, never through a symlink, never out of destdir.
 * Errors: cerr EX_BADTEMPLATE for corrupt/unsafe archives. The caller removes destdir on failure. */
int tpl_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o);
/* The owner that ids outside a container's block become in a template made from it (the kernel's
 * overflow id: what the guest saw). */
#define TPL_OVERFLOW_ID 65534u
struct tpl_pack_opts {
	bool progress;     /* print a progress line on a tty */
	uint32_t id_base;  /* id_size > 0: ids in [id_base, id_base+id_size) are packed as id - id_base */
	uint32_t id_size;  /* (owners, ACL ids, file-capability root ids); 0: ids packed as they are */
	bool low_kept;     /* ids below id_size are container-relative already and stay (the lower layer of
			    * a merged overlay root; the block must not overlap them); any other id becomes
			    * TPL_OVERFLOW_ID, a file capability of another root is dropped */
	int srcfd;         /* > 0: pack the directory open at srcfd (srcdir only names it in messages) */
	bool layer;        /* an overlay upper layer (template commit --layer): of overlayfs's xattrs only
			    * trusted.overlay.opaque "y" is kept, a redirect or metacopy is refused, and a
			    * whiteout is packed as a device of its own (never a hard link) */
	struct tpl_precopy *precopy; /* a backup: a migration's final pass (precopy.h): unchanged files
				      * that the first pass sent become references */
};
/* Pack directory srcdir into archive path (format by suffix: .tar.zst/.gz/.xz/.bz2/.tar) with
 * libarchive, written atomically (tmp + rename). progress: print a progress line on a tty. */
int tpl_pack(const char *srcdir, const char *archive, bool progress);
/* The same with the owners moved back into container-relative ids (template commit); o NULL: as
 * tpl_pack without progress. */
int tpl_pack_opts(const char *srcdir, const char *archive, const struct tpl_pack_opts *o);
/* Who does the work of tpl_extract and tpl_pack: libarchive in this process (tplarchive.h:
 * tpl_archive_local; the cellctl-archive helper and the unit tests), or the cellctl-archive helper
 * (src/tplremote.h: tpl_archive_helper; the cellctl command, which does not load libarchive).
 * A program sets one before its first template operation; until then both fail (EX_SYSTEM). */
struct tpl_archiver {
	int (*extract)(const char *archive, const char *destdir, const struct tpl_extract_opts *o);
	int (*pack)(const char *srcdir, const char *archive, const struct tpl_pack_opts *o);
	/* backups (backup.h): tpl_backup_write, tpl_backup_info, tpl_backup_restore */
	int (*backup)(const char *path, const char *compress, const char *manifest, const char *confpath,
		      const struct tpl_pack_opts *o);
	int (*backup_info)(const char *path, const char *outdir);
	int (*restore)(const char *path, const char *destdir, const struct tpl_extract_opts *o);
	/* a migration's pre-copy (precopy.h): tpl_precopy_send, tpl_precopy_recv */
	int (*precopy_send)(const char *compress, const struct tpl_pack_opts *o);
	int (*precopy_recv)(const char *stagedir, volatile int *cancel);
};
/* Write backup archive path (absolute; created, mode 0600): the manifest text, the config file
 * confpath and the tree open at o->srcfd with o's ids moved back (bkarchive.h: bk_archive_write). */
int tpl_backup_write(const char *path, const char *compress, const char *manifest, const char *confpath,
		     const struct tpl_pack_opts *o);
/* bk_archive_info and bk_archive_restore, by the program's archiver. */
int tpl_backup_info(const char *path, const char *outdir);
int tpl_backup_restore(const char *path, const char *destdir, const struct tpl_extract_opts *o);
/* A migration's first pass (precopy.h) of the tree at o->srcfd to our standard output, compressed
 * as compress; o->precopy: its listfd gets the inodes sent, its files and bytes count them. */
int tpl_precopy_send(const char *compress, const struct tpl_pack_opts *o);
/* The first pass read from our standard input into the existing directory stagedir. */
int tpl_precopy_recv(const char *stagedir, volatile int *cancel);
void tpl_set_archiver(const struct tpl_archiver *a);
/* Names of the templates in the cache, sorted, malloc'd array of malloc'd strings. */
int tpl_list(const struct gconf *g, char ***names, unsigned *n);
/* The origin of a template made from a container (tplcache.h): template_dir/cache/NAME + this. */
#define TPL_ORIGIN_SUFFIX ".origin"
/* Run recipe_dir/NAME/build ROOTDIR (a recipe may use any tool), then pack ROOTDIR into
 * template_dir/cache/NAME.tar.zst (a built template has no origin: one left from a commit goes). cerr EX_NOTEMPLATE when there is no such recipe. */
int tpl_build(const struct gconf *g, const char *name);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tplarchive: the libarchive half of templates, in this process (the contracts are tpl_extract's and
 * tpl_pack's, template.h). Only cellctl-archive and the tests link it: the cellctl command runs it
 * through that helper (src/tplremote.h). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "template.h"

/* tpl_extract's work, here. */
int tpl_archive_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o);
/* tpl_pack's work, here. */
int tpl_archive_pack(const char *srcdir, const char *archive, const struct tpl_pack_opts *o);
/* Both, for tpl_set_archiver. */
extern const struct tpl_archiver tpl_archive_local;

/* The halves a backup (bkarchive.c) puts together with its own entries around them. */
struct archive;
struct archive_entry;
struct sha256;
/* The read filters and format of tpl_archive_extract (libarchive's own code for every
 * compression, tar only). */
void tpl_archive_read_setup(struct archive *rd);
/* Extract the entries of rd (opened by the caller, archive names it in messages) into destdir as
 * tpl_archive_extract does. strip non-NULL (a backup's tree): only entries named strip or
 * strip/..., each hashed into hash first (the payload, backup.h) and extracted without strip; the
 * first entry outside ends it, returned in *stop (rd's, valid until its next header; NULL at the
 * end of the archive). */
int tpl_archive_extract_from(struct archive *rd, const char *archive, const char *destdir,
			     const struct tpl_extract_opts *o, const char *strip, struct sha256 *hash,
			     struct archive_entry **stop);
/* Pack the tree at top (a path, or "." in the directory the caller entered) into w as template
 * packing does (o's ids, progress on a terminal), the entry names under prefix, each entry and
 * its data hashed into hash when non-NULL; the number of entries and data bytes packed. */
int tpl_archive_pack_into(struct archive *w, const char *top, const struct tpl_pack_opts *o, const char *prefix,
			  struct sha256 *hash, unsigned long *files, uint64_t *bytes);
/* The payload hash of one entry's header (backup.h: name, mode, owner, size, link target) and of
 * n zero bytes (a hole). */
void tpl_archive_hash_entry(struct sha256 *h, struct archive_entry *e);
void tpl_archive_hash_zeros(struct sha256 *h, uint64_t n);
/* A small regular file entry (mode 0600, now) with its data into w, its header and data hashed
 * into h when non-NULL (a backup's manifest, config and checksum; a pre-copy's). */
int tpl_archive_put_file(struct archive *w, const char *name, const char *data, size_t n, struct sha256 *h);
/* w made a pax stream into fd, compressed as compress ("zstd": one worker thread per CPU of cpus,
 * read before any chroot; "gzip"; "none"); pipe: no padding of its last block. cerr EX_SYSTEM. */
int tpl_archive_write_open(struct archive *w, const char *compress, int fd, bool pipe, long cpus);

/* archive_ovl.c: the overlayfs marks of layer templates. Is e a whiteout (a character device 0:0,
 * not a hard link)? */
bool tpl_archive_whiteout(struct archive_entry *e);
/* An entry being extracted into a template tree (tpl_extract_opts.lower): with layer,
 * trusted.overlay.opaque "y" on a directory stays and every other trusted.overlay.* xattr goes
 * (user.overlay.* is the guest's); without, all of them go (a warning names the entry: path,
 * escaped by the caller). */
void tpl_archive_ovl_extract(struct archive_entry *e, bool layer, const char *tname, const char *path);
/* An entry of an upper layer being packed (tpl_pack_opts.layer): its overlayfs xattrs but the
 * opaque mark dropped, a whiteout made a node of its own (nlink 1). cerr EX_LAYOUT for a redirect
 * or metacopy xattr (a layer cannot hold them). */
int tpl_archive_ovl_pack(struct archive_entry *e, const char *top, const char *path);
/* The compression filter of archive's suffix (.tar.zst ...) on w: libarchive's result, below
 * ARCHIVE_FATAL for an unknown suffix. */
int tpl_archive_add_filter(struct archive *w, const char *archive);

/* The size of the buffers that escape a guest's name for a message. */
#define TPL_ESC_LEN 320

/* archive_precopy.c: a migration's pre-copy (precopy.h). */
struct tpl_precopy;
/* The first pass: the regular files of the tree open at topfd (its file system only) into outfd as
 * objects, compressed as compress ("zstd", "gzip", "none"); the record of each inode sent whole
 * goes to pc->listfd; pc->files and pc->bytes count them. cancel: checked per file and block. */
int tpl_precopy_write(int outfd, const char *compress, int topfd, struct tpl_precopy *pc, volatile int *cancel);
/* The first pass read from infd into the existing directory stagedir (objects named by inode,
 * mode 0600), marked PC_COMPLETE there when its checksum matched. cerr EX_RESTORE for a corrupt,
 * cut or foreign stream; *files: objects written. */
int tpl_precopy_receive(int infd, const char *stagedir, volatile int *cancel, uint64_t *files);
/* The final pass, packing: when e (a regular file, not a hard link, read from srcpath) was not
 * stamped since pc's t0 and still holds the data of its inode's record, e becomes a reference
 * (size 0, PC_XATTR) and line gets the text the payload hash takes after e's header; counted in
 * pc->files and pc->bytes. */
bool tpl_precopy_mark(struct archive_entry *e, const char *srcpath, struct tpl_precopy *pc, char *line, size_t len);
struct tpl_pc_ref {
	bool set;
	uint64_t ino, size;
};
/* The final pass, extracting: e's reference (its PC_XATTR, taken off e) into ref, its line hashed
 * into h; ref->set false when e has none. cerr EX_RESTORE for a malformed one, or any when not
 * allowed (a backup that is not a migration's final pass). path: escaped, for messages. */
int tpl_precopy_take_ref(struct archive_entry *e, bool allowed, struct sha256 *h, struct tpl_pc_ref *ref,
			 const char *tname, const char *path);
/* After extraction wrote path (under rootfd) empty with all its metadata: that metadata copied
 * onto the object ref->ino of stagefd, which then replaces it. */
int tpl_precopy_place(int rootfd, int stagefd, const char *path, const struct tpl_pc_ref *ref, const char *tname);
/* The same without a file made first (an entry without ACLs: the extraction skips it): e's owner,
 * xattrs, mode and times, and the project a new file in its directory gets, set on the object,
 * which is renamed to path. */
int tpl_precopy_place_entry(int rootfd, int stagefd, struct archive_entry *e, const char *path,
			    const struct tpl_pc_ref *ref, const char *tname);

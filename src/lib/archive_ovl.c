/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The overlayfs marks of layer templates in archives (whiteouts, opaque directories), on their way
 * in and out, and the compression filter of a cache archive; beside archive.c, in cellctl-archive. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "tplarchive.h"
#include "util.h"

#define OVL_OPAQUE "trusted.overlay.opaque"

bool tpl_archive_whiteout(struct archive_entry *e)
{
	return archive_entry_filetype(e) == AE_IFCHR && archive_entry_rdev(e) == 0 && !archive_entry_hardlink(e);
}

/* An xattr cellctl's overlayfs mounts read from a layer: trusted.overlay.* (they are not userxattr
 * mounts: user.overlay.* is the guest's own, for its own overlays, and stays) */
static bool ovl_xattr(const char *name) { return !strncmp(name, "trusted.overlay.", 16); }

struct kept {
	char *name;
	void *value;
	size_t size;
};

/* Rebuild e's xattrs without those keep() refuses; the number dropped. */
static unsigned filter_xattrs(struct archive_entry *e,
			      bool (*keep)(struct archive_entry *, const char *, const void *, size_t))
{
	if (archive_entry_xattr_reset(e) <= 0)
		return 0;
	struct kept *v = NULL;
	size_t n = 0;
	unsigned dropped = 0;
	const char *name;
	const void *value;
	size_t size;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!keep(e, name, value, size)) {
			dropped++;
			continue;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].name = xstrdup(name);
		v[n].value = xmalloc(size ? size : 1);
		if (size)
			memcpy(v[n].value, value, size);
		v[n++].size = size;
	}
	if (dropped) {
		archive_entry_xattr_clear(e);
		for (size_t i = 0; i < n; i++)
			archive_entry_xattr_add_entry(e, v[i].name, v[i].value, v[i].size);
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	return dropped;
}

static bool opaque_mark(struct archive_entry *e, const char *name, const void *value, size_t size)
{
	return !strcmp(name, OVL_OPAQUE) && archive_entry_filetype(e) == AE_IFDIR && size == 1 && *(const char *)value == 'y';
}

static bool keep_layer(struct archive_entry *e, const char *name, const void *value, size_t size)
{
	return !ovl_xattr(name) || opaque_mark(e, name, value, size);
}

static bool keep_plain(struct archive_entry *e, const char *name, const void *value, size_t size)
{
	(void)e;
	(void)value;
	(void)size;
	return !ovl_xattr(name);
}

void tpl_archive_ovl_extract(struct archive_entry *e, bool layer, const char *tname, const char *path)
{
	unsigned n = filter_xattrs(e, layer ? keep_layer : keep_plain);
	if (n)
		log_warn("template %s: '%s': %u overlayfs attribute%s dropped (%s)", tname, path, n, n == 1 ? "" : "s",
			 layer ? "a layer keeps only trusted.overlay.opaque \"y\" on directories" : "not a layer template");
}

int tpl_archive_ovl_pack(struct archive_entry *e, const char *top, const char *path)
{
	if (archive_entry_xattr_reset(e) > 0) {
		const char *name;
		const void *value;
		size_t size;
		while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
			if (!strcmp(name, "trusted.overlay.redirect") || !strcmp(name, "trusted.overlay.metacopy"))
				return cerr(EX_LAYOUT, 0,
					    "pack the upper layer %s: '%s' carries %s (overlayfs redirect_dir or "
					    "metacopy "
					    "is on): it cannot be a layer; commit without --layer",
					    top, path, name);
	}
	filter_xattrs(e, keep_layer); /* origin, impure, nlink...: this upper layer's own bookkeeping */
	/* overlayfs may link every whiteout to one inode: each is packed as a node of its own, and
	 * the extractor never makes a hard link to a device outside dev/ */
	if (archive_entry_filetype(e) == AE_IFCHR && archive_entry_rdev(e) == 0) {
		archive_entry_set_nlink(e, 1);
		/* overlayfs makes whiteouts as its mounter, host root: the owner means nothing, 0 it is */
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	}
	return 0;
}

int tpl_archive_add_filter(struct archive *w, const char *archive)
{
	if (str_endswith(archive, ".tar.zst"))
		return archive_write_add_filter_zstd(w);
	if (str_endswith(archive, ".tar.xz"))
		return archive_write_add_filter_xz(w);
	if (str_endswith(archive, ".tar.gz"))
		return archive_write_add_filter_gzip(w);
	if (str_endswith(archive, ".tar.bz2"))
		return archive_write_add_filter_bzip2(w);
	if (str_endswith(archive, ".tar"))
		return archive_write_add_filter_none(w);
	return ARCHIVE_FATAL - 1;
}

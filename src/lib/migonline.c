/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate --online: the checkpoint's images (migonline.h). */
#include "migonline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctcriu.h"
#include "ctset.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"
#include "ustar.h"

#define BLK USTAR_BLK
#define MAX_ENTRIES 4096

char *mig_dump_dir(const struct gconf *g, unsigned ctid, bool recv)
{
	/* on disk, where backups go: a checkpoint is as big as the container's memory (run_dir is
	 * usually a tmpfs: the images would take that memory a second time) */
	return xasprintf("%s/migrate/%s.%u", g->dumpdir, recv ? "recv" : "dump", ctid);
}

/* ---- the images' archive: flat ustar ---- */

static void put_octal(unsigned char *f, size_t width, uint64_t v)
{
	/* width - 1 digits and a NUL */
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(f, tmp, width - 1);
	f[width - 1] = 0;
}

static void make_header(unsigned char *b, const char *name, uint64_t size, time_t mtime)
{
	memset(b, 0, BLK);
	memcpy(b, name, strlen(name));
	put_octal(b + 100, 8, 0644);
	put_octal(b + 108, 8, 0);
	put_octal(b + 116, 8, 0);
	if (size < (1ULL << 33)) {
		put_octal(b + 124, 12, size);
	} else { /* GNU base-256 */
		b[124] = 0x80;
		for (int i = 11; i >= 1; i--, size >>= 8)
			b[124 + i] = (unsigned char)(size & 0xff);
	}
	put_octal(b + 136, 12, (uint64_t)(mtime > 0 ? mtime : 0));
	b[156] = '0';
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	ustar_set_checksum(b);
}

static int send_err(int r, const char *what, const char *name)
{
	return cerr(EX_MIGRATE, r, "send the checkpoint's %s %s", what, name);
}

int mig_images_send(const char *dir, int fd)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return cerr(EX_MIGRATE, errno, "open the checkpoint %s", dir);
	DIR *d = fdopendir(dup(dfd));
	if (!d)
		return cerr(EX_MIGRATE, errno, "read the checkpoint %s", dir);
	int r = 0;
	unsigned n = 0;
	static char buf[256 * 1024];
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strlen(de->d_name) > 99 || de->d_name[0] == '.' || ++n > MAX_ENTRIES) {
			r = send_err(EINVAL, "file", de->d_name);
			break;
		}
		_cleanup_close_ int f = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		struct stat st;
		if (f < 0 || fstat(f, &st) < 0) {
			r = send_err(errno, "file", de->d_name);
			break;
		}
		if (!S_ISREG(st.st_mode)) {
			r = send_err(EINVAL, "entry (not a regular file)", de->d_name);
			break;
		}
		unsigned char h[BLK];
		make_header(h, de->d_name, (uint64_t)st.st_size, st.st_mtime);
		if ((r = write_full(fd, h, BLK)) < 0) {
			r = send_err(r, "header of", de->d_name);
			break;
		}
		uint64_t left = (uint64_t)st.st_size;
		while (left) {
			ssize_t got = read(f, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				r = send_err(got < 0 ? errno : EIO, "file (changed while sent)", de->d_name);
				break;
			}
			if ((r = write_full(fd, buf, (size_t)got)) < 0) {
				r = send_err(r, "file", de->d_name);
				break;
			}
			left -= (uint64_t)got;
		}
		size_t pad = (size_t)((BLK - st.st_size % BLK) % BLK);
		if (r == 0 && pad) {
			memset(h, 0, BLK);
			if ((r = write_full(fd, h, pad)) < 0)
				r = send_err(r, "file", de->d_name);
		}
	}
	closedir(d);
	if (r == 0) {
		unsigned char z[2 * BLK] = {0};
		if ((r = write_full(fd, z, sizeof(z))) < 0)
			r = send_err(r, "archive's", "end");
	}
	return r;
}

/* what: fixed text; name: the entry's (escaped here), or NULL */
static int recv_bad(const char *dir, const char *what, const char *name)
{
	_cleanup_free_ char *e = name ? str_escape(name) : NULL;
	return cerr(EX_RESTORE, 0, "the checkpoint received into %s is refused: %s%s%s%s", dir, what, e ? " ('" : "",
		    e ? e : "", e ? "')" : "");
}

static int recv_entries(int fd, int dfd, const char *dir)
{
	static char buf[256 * 1024];
	unsigned char h[BLK];
	unsigned n = 0;
	for (;;) {
		ssize_t got = read_full(fd, h, BLK);
		if (got != BLK)
			return recv_bad(dir, got < 0 ? "a read error" : "the stream ends before its end blocks", NULL);
		bool zero = true;
		for (int i = 0; i < BLK && zero; i++)
			zero = !h[i];
		if (zero) {
			/* the second end block */
			got = read_full(fd, h, BLK);
			if (got != BLK)
				return recv_bad(dir, "the stream ends within its end blocks", NULL);
			for (int i = 0; i < BLK; i++)
				if (h[i])
					return recv_bad(dir, "a lone zero block", NULL);
			return 0;
		}
		char ck[9] = {0};
		memcpy(ck, h + 148, 8);
		unsigned want = 0;
		if (sscanf(ck, "%o", &want) != 1 || want != ustar_sum(h))
			return recv_bad(dir, "a header with a bad checksum", NULL);
		char name[101] = {0};
		memcpy(name, h, 100);
		if (h[156] != '0' && h[156] != 0)
			return recv_bad(dir, "an entry that is not a regular file", name);
		if (h[345] != 0) /* ustar's prefix: a path in two parts */
			return recv_bad(dir, "an entry with a path prefix", name);
		if (!name[0] || name[0] == '.' || strchr(name, '/'))
			return recv_bad(dir, "a name that is not a plain file name", name);
		if (++n > MAX_ENTRIES)
			return recv_bad(dir, "more than 4096 entries", NULL);
		int64_t size = ustar_size(h);
		if (size < 0)
			return recv_bad(dir, "an entry with a malformed size", name);
		_cleanup_close_ int f = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
		if (f < 0) {
			if (errno == EEXIST)
				return recv_bad(dir, "an entry that comes twice", name);
			return cerr(EX_RESTORE, errno, "create %s/%s", dir, name);
		}
		uint64_t left = (uint64_t)size + (uint64_t)((BLK - size % BLK) % BLK), data = (uint64_t)size;
		while (left) {
			got = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return recv_bad(dir, "the stream ends within an entry", name);
			size_t w = data < (uint64_t)got ? (size_t)data : (size_t)got;
			int r;
			if (w && (r = write_full(f, buf, w)) < 0)
				return cerr(EX_RESTORE, r, "write %s/%s", dir, name);
			data -= w;
			left -= (uint64_t)got;
		}
		if (fchmod(f, 0644) < 0)
			return cerr(EX_RESTORE, errno, "chmod %s/%s", dir, name);
	}
}

int mig_images_receive(int fd, const char *dir)
{
	if (mkdir(dir, 0711) < 0)
		return cerr(EX_RESTORE, errno, "create %s", dir);
	int r = chmod(dir, 0711) < 0 ? cerr(EX_RESTORE, errno, "chmod %s", dir) : 0;
	_cleanup_close_ int dfd = r ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (r == 0 && dfd < 0)
		r = cerr(EX_RESTORE, errno, "open %s", dir);
	if (r == 0)
		r = recv_entries(fd, dfd, dir);
	if (r < 0) {
		_cleanup_free_ char *d1 = xstrdup(dir), *d2 = xstrdup(dir);
		_cleanup_close_ int pfd = open(dirname(d1), O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || fs_remove_tree(pfd, basename(d2)) < 0)
			log_warn("could not remove %s", dir);
	}
	return r;
}

/* ---- the user namespace's maps ---- */

#define IMG_COMMON_MAGIC 0x54564319u
#define USERNS_MAGIC 0x55474906u

struct pbuf {
	uint8_t *p;
	size_t len, cap;
};

static void pb_put(struct pbuf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void pb_varint(struct pbuf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	do {
		t[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	pb_put(b, t, n);
}

static void pb_u32le(struct pbuf *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	pb_put(b, t, 4);
}

static uint32_t get_u32le(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return -EINVAL;
		uint8_t c = p[(*pos)++];
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -EINVAL;
}

/* One field's extent: the bytes from *pos of the field with key k (its value skipped). */
static int skip_value(const uint8_t *p, size_t len, size_t *pos, unsigned wt, uint64_t *val)
{
	switch (wt) {
	case 0:
		return get_varint(p, len, pos, val);
	case 1:
		if (len - *pos < 8)
			return -EINVAL;
		*pos += 8;
		return 0;
	case 2:
		if (get_varint(p, len, pos, val) < 0 || *val > len - *pos)
			return -EINVAL;
		*pos += *val;
		return 0;
	case 5:
		if (len - *pos < 4)
			return -EINVAL;
		*pos += 4;
		return 0;
	default:
		return -EINVAL;
	}
}

/* An UidGidExtent (first = 1, lower_first = 2, count = 3) rewritten into out. */
static int rebase_extent(const uint8_t *p, size_t len, uint32_t base, uint32_t size, struct pbuf *out)
{
	uint64_t first = 0, count = 0;
	bool hf = false, hc = false;
	struct pbuf rest = {0};
	size_t pos = 0;
	while (pos < len) {
		uint64_t key, v = 0;
		size_t at = pos;
		if (get_varint(p, len, &pos, &key) < 0 || skip_value(p, len, &pos, (unsigned)(key & 7), &v) < 0) {
			free(rest.p);
			return -EINVAL;
		}
		if (key == (1 << 3 | 0)) {
			first = v;
			hf = true;
		} else if (key == (3 << 3 | 0)) {
			count = v;
			hc = true;
		} else if (key != (2 << 3 | 0)) {
			pb_put(&rest, p + at, pos - at);
		}
	}
	if (!hf || !hc || first > size || count > size - first) {
		free(rest.p);
		return -EINVAL;
	}
	pb_varint(out, 1 << 3);
	pb_varint(out, first);
	pb_varint(out, 2 << 3);
	pb_varint(out, (uint64_t)base + first);
	pb_varint(out, 3 << 3);
	pb_varint(out, count);
	if (rest.len)
		pb_put(out, rest.p, rest.len);
	free(rest.p);
	return 0;
}

/* A UsernsEntry (uid_map = 1, gid_map = 2: repeated UidGidExtent) rewritten into out. */
static int rebase_entry(const uint8_t *p, size_t len, uint32_t base, uint32_t size, struct pbuf *out)
{
	size_t pos = 0;
	while (pos < len) {
		uint64_t key, v = 0;
		size_t at = pos;
		if (get_varint(p, len, &pos, &key) < 0 || skip_value(p, len, &pos, (unsigned)(key & 7), &v) < 0)
			return -EINVAL;
		if (key == (1 << 3 | 2) || key == (2 << 3 | 2)) {
			struct pbuf ext = {0};
			if (rebase_extent(p + pos - v, (size_t)v, base, size, &ext) < 0) {
				free(ext.p);
				return -EINVAL;
			}
			pb_varint(out, key);
			pb_varint(out, ext.len);
			pb_put(out, ext.p, ext.len);
			free(ext.p);
		} else {
			pb_put(out, p + at, pos - at);
		}
	}
	return 0;
}

int criu_userns_rebase(const uint8_t *in, size_t len, uint32_t base, uint32_t size, uint8_t **out, size_t *outlen)
{
	if (len < 8 || get_u32le(in) != IMG_COMMON_MAGIC || get_u32le(in + 4) != USERNS_MAGIC)
		return -EINVAL;
	if ((uint64_t)base + size > UINT32_MAX + 1ULL)
		return -EINVAL;
	struct pbuf b = {0};
	pb_put(&b, in, 8);
	size_t pos = 8;
	while (pos < len) {
		if (len - pos < 4) {
			free(b.p);
			return -EINVAL;
		}
		uint32_t n = get_u32le(in + pos);
		pos += 4;
		if (n > len - pos) {
			free(b.p);
			return -EINVAL;
		}
		struct pbuf e = {0};
		if (rebase_entry(in + pos, n, base, size, &e) < 0) {
			free(e.p);
			free(b.p);
			return -EINVAL;
		}
		pb_u32le(&b, (uint32_t)e.len);
		if (e.len)
			pb_put(&b, e.p, e.len);
		free(e.p);
		pos += n;
	}
	*out = b.p ? b.p : xmalloc(1);
	*outlen = b.len;
	return 0;
}

int mig_userns_rebase_dir(const char *dir, uint32_t base, uint32_t size)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = dfd < 0 ? NULL : fdopendir(dup(dfd));
	if (!d)
		return cerr(EX_RESTORE, errno, "read the checkpoint %s", dir);
	int r = 0, done = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (strncmp(de->d_name, "userns", 6) || nl < 10 || strcmp(de->d_name + nl - 4, ".img"))
			continue;
		_cleanup_free_ char *text = NULL, *path = xasprintf("%s/%s", dir, de->d_name);
		size_t len = 0;
		uint8_t *out = NULL;
		size_t olen = 0;
		if ((r = read_file_at(dfd, de->d_name, &text, &len)) < 0) {
			r = cerr(EX_RESTORE, r, "read %s", path);
		} else if (criu_userns_rebase((const uint8_t *)text, len, base, size, &out, &olen) < 0) {
			r = cerr(EX_RESTORE, 0, "%s is not a user namespace image of a container with %u ids", path, size);
		} else {
			if ((r = write_file_replace(path, out, olen, 0644)) < 0)
				r = cerr(EX_RESTORE, r, "write %s", path);
			else
				done++;
			free(out);
		}
	}
	closedir(d);
	return r < 0 ? r : done;
}

/* arg: "yes" or "no" */
static int disable_apply(struct ct_config *c, void *arg, bool *save)
{
	*save = true;
	return param_set(c, param_find("disabled"), arg);
}

int mig_set_disabled(const struct gconf *g, unsigned ctid, bool on)
{
	struct set_opts so = {.apply = disable_apply, .arg = UNCONST(on ? "yes" : "no")};
	enum ct_set_result sr;
	return ct_set(g, ctid, &so, &sr);
}

/* ---- the destination's half ---- */

int ct_migrate_restore(const struct gconf *g, unsigned ctid, int fd, bool enable)
{
	_cleanup_conf_ struct ct_config *c = NULL;
	int r = ctconf_load(g, ctid, &c);
	if (r < 0)
		return r;
	_cleanup_free_ char *parent = xasprintf("%s/migrate", g->dumpdir), *dir = mig_dump_dir(g, ctid, true);
	if ((r = mkdir_p(parent, 0700)) < 0 || chmod(parent, 0700) < 0)
		return cerr(EX_RESTORE, r < 0 ? r : errno, "create %s", parent);
	_cleanup_close_ int pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	char name[32];
	snprintf(name, sizeof(name), "recv.%u", ctid);
	if (pfd < 0)
		return cerr(EX_RESTORE, errno, "open %s", parent);
	fs_remove_tree(pfd, name); /* a stale one of an interrupted migration */
	if ((r = mig_images_receive(fd, dir)) < 0)
		return r;
	if (c->userns) {
		r = mig_userns_rebase_dir(dir, c->uid_base, c->uid_size);
		if (r >= 0)
			log_debug("migrate %u: %d user namespace images rebased onto %u", ctid, r, c->uid_base);
	}
	if (r >= 0 && enable && (r = mig_set_disabled(g, ctid, false)) < 0)
		r = cerr_wrap(r, 0, "enable container %u", ctid);
	if (r >= 0) {
		/* CRIU was checked here by migrate-check --online just before: not again in the frozen
		 * time (were it broken since, CRIU's own failure says so) */
		struct chkpnt_opts o = {.dumpfile = dir, .criu_checked = true};
		r = ct_restore(g, ctid, &o);
	}
	/* ct_restore removes it once restored; a failed one is not kept (the source keeps its own),
	 * and the copy here is disabled again: the source runs on (a boot here must not start a
	 * second one with the same addresses) */
	if (r < 0) {
		fs_remove_tree(pfd, name);
		struct cerr_saved es;
		cerr_save(&es);
		if (enable && mig_set_disabled(g, ctid, true) < 0)
			log_warn("migrate: container %u could not be disabled again here: %s", ctid, cerr_msg());
		cerr_restore(&es);
	}
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "criutar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"

#define BLK 512

static bool all_zero(const unsigned char *b)
{
	for (int i = 0; i < BLK; i++)
		if (b[i])
			return false;
	return true;
}

/* A header's size field: octal, or GNU base-256 (first byte 0x80). -1 when malformed. */
static int64_t hdr_size(const unsigned char *b)
{
	const unsigned char *f = b + 124;
	uint64_t v = 0;
	if (f[0] & 0x80) {
		for (int i = 1; i < 12; i++) {
			if (v >> 55)
				return -1;
			v = (v << 8) | f[i];
		}
		return (int64_t)v;
	}
	int i = 0;
	while (i < 12 && f[i] == ' ')
		i++;
	for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(f[i] - '0');
	}
	if (i < 12 && f[i] != 0 && f[i] != ' ')
		return -1;
	return (int64_t)v;
}

static void hdr_checksum(unsigned char *b)
{
	memset(b + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < BLK; i++)
		sum += b[i];
	char c[8];
	snprintf(c, sizeof(c), "%06o", sum & 0777777);
	memcpy(b + 148, c, 6);
	b[154] = 0;
	b[155] = ' ';
}

int criutar_fix_nodes(const char *in, const char *out)
{
	gzFile a = gzopen(in, "rb");
	if (!a)
		return errno ? -errno : -ENOMEM;
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	gzFile b = ofd >= 0 ? gzdopen(ofd, "wb") : NULL;
	if (!b) {
		int e = ofd >= 0 ? ENOMEM : errno;
		if (ofd >= 0)
			close(ofd);
		gzclose(a);
		return -e;
	}
	unsigned char blk[BLK];
	int64_t data = 0; /* blocks of the current entry still to copy */
	int fixed = 0, r = 0;
	bool ended = false;
	for (;;) {
		int n = gzread(a, blk, BLK);
		if (n == 0)
			break;
		if (n != BLK) {
			r = -EINVAL;
			break;
		}
		if (data > 0) {
			data--;
		} else if (ended || all_zero(blk)) {
			ended = true; /* the end marker, and whatever padding follows it */
		} else {
			if (memcmp(blk + 257, "ustar", 5)) {
				r = -EINVAL;
				break;
			}
			int64_t size = hdr_size(blk);
			if (size < 0) {
				r = -EINVAL;
				break;
			}
			if (blk[156] == '3' || blk[156] == '4') {
				blk[156] = '0';
				memcpy(blk + 124, "00000000000", 12); /* with its NUL */
				memcpy(blk + 329, "0000000", 8);
				memcpy(blk + 337, "0000000", 8);
				hdr_checksum(blk);
				size = 0;
				fixed++;
			}
			data = (size + BLK - 1) / BLK;
		}
		if (gzwrite(b, blk, BLK) != BLK) {
			r = -EIO;
			break;
		}
	}
	if (r == 0 && data > 0)
		r = -EINVAL; /* cut short */
	gzclose(a);
	if (gzclose(b) != Z_OK && r == 0)
		r = -EIO;
	return r < 0 ? r : fixed;
}

int criutar_fix_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int total = 0, r = 0;
	struct dirent *e;
	while (r >= 0 && (e = readdir(d))) {
		if (!str_startswith(e->d_name, "tmpfs-") || !str_endswith(e->d_name, ".tar.gz.img"))
			continue;
		_cleanup_free_ char *in = xasprintf("%s/%s", dir, e->d_name);
		_cleanup_free_ char *tmp = xasprintf("%s/.%s.fix", dir, e->d_name);
		r = criutar_fix_nodes(in, tmp);
		if (r > 0 && rename(tmp, in) < 0)
			r = -errno;
		if (r >= 0)
			total += r;
		unlink(tmp);
	}
	closedir(d);
	return r < 0 ? r : total;
}

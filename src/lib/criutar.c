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
#include "ustar.h"

#define BLK USTAR_BLK

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
		} else if (ended || ustar_zero_block(blk)) {
			ended = true; /* the end marker, and whatever padding follows it */
		} else {
			if (memcmp(blk + 257, "ustar", 5)) {
				r = -EINVAL;
				break;
			}
			int64_t size = ustar_size(blk);
			if (size < 0) {
				r = -EINVAL;
				break;
			}
			if (blk[156] == '3' || blk[156] == '4') {
				blk[156] = '0';
				memcpy(blk + 124, "00000000000", 12); /* with its NUL */
				memcpy(blk + 329, "0000000", 8);
				memcpy(blk + 337, "0000000", 8);
				ustar_set_checksum(blk);
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

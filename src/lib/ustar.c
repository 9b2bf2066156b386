/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ustar header fields (ustar.h). */
#include "ustar.h"

#include <stdio.h>
#include <string.h>

unsigned ustar_sum(const unsigned char *hdr)
{
	unsigned sum = 0;
	for (int i = 0; i < USTAR_BLK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : hdr[i];
	return sum;
}

void ustar_set_checksum(unsigned char *hdr)
{
	char c[8];
	snprintf(c, sizeof(c), "%06o", ustar_sum(hdr) & 0777777);
	memcpy(hdr + 148, c, 6);
	hdr[154] = 0;
	hdr[155] = ' ';
}

int64_t ustar_size(const unsigned char *hdr)
{
	const unsigned char *f = hdr + 124;
	uint64_t v = 0;
	if (f[0] & 0x80) {
		if (f[0] != 0x80) /* a negative base-256 number, or a longer one than we read */
			return -1;
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
	int first = i;
	for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0'); /* (12 octal digits: 36 bits at most) */
	if (i == first || (i < 12 && f[i] != 0 && f[i] != ' '))
		return -1;
	return (int64_t)v;
}

bool ustar_zero_block(const unsigned char *b)
{
	for (int i = 0; i < USTAR_BLK; i++)
		if (b[i])
			return false;
	return true;
}

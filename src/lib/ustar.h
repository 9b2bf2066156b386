/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The few fields of a ustar header (512 bytes) that cellctl reads and writes by hand: the
 * checkpoint images' stream of an online migration (migonline.c) and CRIU's tmpfs archives
 * (criutar.c). Pure. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define USTAR_BLK 512

/* The header's sum as its checksum field states it: every byte, the field itself as spaces. */
unsigned ustar_sum(const unsigned char *hdr);
/* Set the checksum field from ustar_sum ("%06o", NUL, space). */
void ustar_set_checksum(unsigned char *hdr);
/* The size field: octal (leading spaces, at least one digit, then a NUL, a space or the field's
 * end) or GNU base-256 (first byte 0x80); -1 when malformed or negative. */
int64_t ustar_size(const unsigned char *hdr);
/* Is the block all zeros (the end of an archive)? */
bool ustar_zero_block(const unsigned char *b);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4), pure: the checksum of a backup archive's payload (backup.h). */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};
#define SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

/* Start a hash. */
void sha256_init(struct sha256 *s);
/* Hash n more bytes of data. */
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Finish: the 32-byte digest into out (s is spent). */
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* Finish: the digest as 64 lower-case hex digits into hex (s is spent). */
void sha256_hex(struct sha256 *s, char hex[SHA256_HEX_LEN]);

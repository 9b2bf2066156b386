/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestacct: the pure text work of provisioning a guest's accounts from the host (set
 * --userpasswd, --ssh-key): /etc/passwd lookups, /etc/shadow rewrites, authorized_keys lines.
 * No I/O: the files come and go as strings (provision.c reads and writes them through fsutil's
 * guest opens). All the input is the guest's, hence hostile: malformed lines are skipped or
 * refused, never trusted. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* A user name cellctl accepts: 1 to 32 of letters, digits, '.', '_', '-' (and a final '$'), not
 * starting with '-' or '.'. */
bool acct_valid_user(const char *user);

/* Split a --userpasswd value USER:PASSWORD at its first ':' into malloc'd *user and *password
 * (the password may hold ':'). "USER:-" sets *password NULL: it is read from standard input.
 * -EINVAL for no ':', an invalid user name or an empty password. */
int acct_split_userpasswd(const char *arg, char **user, char **password);

/* What /etc/passwd says of a user. */
struct acct_pw {
	uint32_t uid, gid;
	char *home; /* malloc'd, absolute */
};
/* Find user in the text of an /etc/passwd: 0 and *pw (free pw->home), -ENOENT when no line names
 * it, -EINVAL when its line is malformed (fewer than 7 fields, ids not numbers, home not
 * absolute). */
int acct_passwd_find(const char *text, const char *user, struct acct_pw *pw);

/* The new text of an /etc/shadow: old with user's line given hash as its password field and day
 * (days since 1970-01-01) as its last-change field; every other line and field kept byte for
 * byte. malloc'd in *out. -ENOENT when no line names user, -EINVAL when its line has fewer than
 * 3 fields or hash holds ':' or a newline. */
int acct_shadow_set(const char *old, const char *user, const char *hash, long day, char **out);

/* The crypt(3) prefix the guest's /etc/login.defs asks for (text may be NULL: none): "$y$"
 * (yescrypt) for ENCRYPT_METHOD YESCRYPT, else "$6$" (SHA-512, read by every libc since glibc
 * 2.7, musl and busybox). */
const char *acct_hash_prefix(const char *login_defs);

/* Validate text (a public key file: one line "TYPE BASE64 [COMMENT]", a final newline allowed)
 * as one authorized_keys line: a known key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/
 * 521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com, ssh-dss), a base64 blob
 * that decodes to a key of that type, printable text only. *line: the line as written (single
 * spaces, a newline at its end), malloc'd. -EINVAL otherwise, with *why saying what is wrong. */
int acct_authkey_check(const char *text, char **line, const char **why);

/* The new authorized_keys text: old (NULL: none) with line (from acct_authkey_check) appended.
 * NULL when a line of old already holds the same key (type and blob; options and comment may
 * differ): nothing to do. */
char *acct_authkeys_add(const char *old, const char *line);

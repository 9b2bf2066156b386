/* SPDX-License-Identifier: GPL-2.0-or-later */
/* provision: a guest user's password and SSH key, set from the host (set --userpasswd, set
 * --ssh-key), stopped or running. Nothing of it is a parameter: never saved, never logged but
 * for the user's name.
 *
 * The guest's files are reached as set --hostname reaches them: the private area of a copy
 * layout, the running init's root (/proc/PID/root) of an overlay layout; every open goes through
 * fsutil's in-root resolution. A stopped overlay container has no merged tree: its upper layer
 * and its template tree are walked as overlayfs would (the upper layer first; a whiteout hides,
 * an opaque directory hides the tree's), never through a symbolic link, and the files are written
 * into the upper layer (their directories copied up with the tree's mode and shifted ids). The
 * files changed (/etc/shadow, ~USER/.ssh/authorized_keys) must be regular files, never symbolic
 * links, and are replaced atomically with their owner and mode kept. */
#pragma once
#include <stdbool.h>

#include "config.h"

struct prov_req {
	const char *user;     /* --userpasswd: the user whose password is set, or NULL */
	const char *password; /* its password (the caller clears it afterwards) */
	const char *key_line; /* --ssh-key: the line prov_read_key made, or NULL */
	const char *key_user; /* whose authorized_keys gets it (NULL: root) */
};

/* What ct_provision did, for the command's message. */
struct prov_result {
	bool password_set;
	bool key_added;   /* the key was appended */
	bool key_present; /* the key was there already: nothing written */
};

/* Read the public key file (on the host; at most 16 KiB, a regular file) and check it as one
 * authorized_keys line (acct_authkey_check): *line malloc'd. cerr EX_BADVALUE naming the file and
 * what is wrong, EX_SYSTEM when it cannot be read. */
int prov_read_key(const char *file, char **line);

/* Set what rq asks in container ctid, under its CT lock, stopped or running. cerr: EX_NOCONF (no
 * config), EX_NOPRIVATE (no private area, upper layer or template tree), EX_CHANGEPASS (no such
 * user, no /etc/shadow or /etc/passwd, a symbolic link or other than a regular file where a file
 * is changed, a NUL byte in a file read, a missing home directory, ids outside the container's
 * block, crypt failing; a stopped overlay container: a symbolic link on the way, a directory
 * removed or moved inside it), EX_SYSTEM (a write failing). */
int ct_provision(const struct gconf *g, unsigned ctid, const struct prov_req *rq, struct prov_result *res);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bind mounts from the host (cellctl.8, --bindmount): the spec HOSTDIR:GUESTDIR[:ro|rw]
 * [,propagation=private|slave|shared][,idmap], its parsing and printing, and the config's
 * [bindmount] section (mp0 = SPEC, mp1 = SPEC, ...). Pure: no filesystem access (bindmnt.h
 * mounts them). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "conftext.h"

#define BIND_SECTION "bindmount"
#define BIND_MAX 32 /* bind mounts per container */

/* Pure: parse spec into *b: 0, or -EINVAL (bad syntax, a path that is not absolute and clean: an
 * empty, "." or ".." component, a character of ":,\"'\\" or white space or a control character; a
 * guest path of / or under /proc, /sys or /dev; the host path /), -ENAMETOOLONG. */
int bind_parse(const char *spec, struct ct_bind *b);
/* Pure: the canonical spec of b (what the config holds): HOST:GUEST, then :ro, ,propagation=X
 * (not for private) and ,idmap when set. */
void bind_format(const struct ct_bind *b, char *buf, size_t len);
/* Pure: the name of propagation p ("private", "slave", "shared"). */
const char *bind_prop_name(int p);

/* The parameter table's bindmount and bindmount_del (params.c): add or replace (same guest path)
 * one bind; remove the one at a guest path, or all. 0 or -EINVAL / -ERANGE (more than BIND_MAX)
 * / -ENOENT (no bind at that guest path). */
int bind_ap_add(struct ct_config *c, const char *v);
int bind_ap_del(struct ct_config *c, const char *v);
/* Every spec, space separated. */
void bind_pr_all(const struct ct_config *c, char *buf, unsigned len);
/* Write c's binds into the [bindmount] section of c->doc (mp0, mp1, ...; stale keys go). */
void bind_sync(struct ct_config *c);
/* Read the [bindmount] section of t into c; errors (cerr EX_BADCONFIG or EX_BADVALUE) name the
 * file name. */
int bind_load(struct ct_config *c, const struct conf_text *t, const char *name);
/* Free c's binds. */
void bind_free(struct ct_config *c);
/* Pure: is b2 the same bind as b1 (every field)? */
bool bind_same(const struct ct_bind *a, const struct ct_bind *b);

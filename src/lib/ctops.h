/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container operations behind the lifecycle commands. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "idmap.h"

struct create_opts {
	const char *ostemplate; /* NULL: the global default */
	const char *sample;     /* NULL: the global default (or none) */
	int userns;             /* -1: global default, 0/1 */
	/* applies the command line's parameters to the new config (validation errors abort) */
	int (*apply)(struct ct_config *c, void *arg);
	void *arg;
};

int ct_create(const struct gconf *g, unsigned ctid, const struct create_opts *o);
/* Top of a private area whose create (or clone) has not finished (its config is not written yet). */
#define CREATING_MARKER ".cellctl-creating"
/* With ctid's lock held, before a new container ctid is made (create, clone): the leftovers of an
 * interrupted create or destroy of ctid are removed; cerr EX_PRIVEXISTS when the container (its
 * config or its private area) exists. */
int ct_claim_new(const struct gconf *g, unsigned ctid);
/* The last steps of making a new container whose private area was built in tmp: with mark, mark
 * it (CREATING_MARKER, so that a kill before its config exists leaves something ct_claim_new
 * removes; not for a tree that is the only copy of its data), rename it to root, save c's config,
 * drop the marker. *placed: the rename happened (on failure the caller removes root, else tmp).
 * cerr EX_SYSTEM, or ctconf_save's. */
int ct_place_new(struct ct_config *c, const char *tmp, const char *root, bool mark, bool *placed);
/* What a new container ctid (create, clone, import-vz, restore-backup) takes on this host, checked
 * or taken in this order: its name (free), its quota project (quota_id), its user-ID block
 * (with a user namespace: reserved for ctid in res by idmap_reserve, held until the config
 * recording it as uid_base is written, then idmap_release) and, with net, its addresses and
 * bridges (free, existing). */
int ct_claim_identity(const struct gconf *g, struct ct_config *c, unsigned ctid, struct idmap_res *res, bool net);
/* Does the tree at root have an init (/sbin/init, /etc/init or /bin/init, looked up inside it)? */
bool ct_has_init(const char *root);
/* Write the limits of c to the container's cgroups cg and put its device rules in force (the BPF
 * program on the unified hierarchy, devices.allow/deny on a legacy v1 host): cg_ops.apply. live:
 * on a running container (start: false, set: true). */
int ct_apply_limits(const struct gconf *g, const struct cg_paths *cg, const struct ct_config *c, bool live);
/* force: start even when disabled. */
int ct_start(const struct gconf *g, unsigned ctid, bool force);
/* timeout_s < 0: the container's stop_timeout. */
int ct_stop(const struct gconf *g, unsigned ctid, bool fast, int timeout_s);
int ct_destroy(const struct gconf *g, unsigned ctid);
/* 0 deleted, 1 exists and down, 2 running. */
int ct_status(const struct gconf *g, unsigned ctid);

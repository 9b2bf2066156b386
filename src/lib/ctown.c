/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctown.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fscopy.h"
#include "idmap.h"
#include "idshift.h"
#include "lock.h"
#include "log.h"
#include "state.h"
#include "util.h"


/* private_dir/.CTID.reowning: the record of a conversion in progress (holds its target). */
static char *record_name(unsigned ctid) { return xasprintf(".%u.reowning", ctid); }

static int record_read(const struct gconf *g, unsigned ctid, char target[16])
{
	_cleanup_free_ char *name = record_name(ctid);
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	target[0] = 0;
	if (dfd < 0 || read_file_at(dfd, name, &text, NULL) < 0)
		return 0;
	snprintf(target, 16, "%s", text);
	target[strcspn(target, "\n")] = 0;
	if (strcmp(target, "mapped") != 0 && strcmp(target, "shifted") != 0)
		return cerr(EX_BADCONFIG, 0, "%s/%s: not a conversion record (remove it by hand)", g->private_dir, name);
	return 1;
}

static int record_write(const struct gconf *g, unsigned ctid, const char *target)
{
	_cleanup_free_ char *name = record_name(ctid);
	_cleanup_free_ char *path = xasprintf("%s/%s", g->private_dir, name);
	_cleanup_free_ char *text = xasprintf("%s\n", target);
	int r = write_file_atomic(path, text, strlen(text), 0600);
	return r < 0 ? cerr(EX_SYSTEM, r, "record the conversion in %s", path) : 0;
}

static void record_remove(const struct gconf *g, unsigned ctid)
{
	_cleanup_free_ char *name = record_name(ctid);
	_cleanup_free_ char *path = xasprintf("%s/%s", g->private_dir, name);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %m", path);
}

/* Re-own the private area of c to target and record it in c's config (the record is written
 * first, removed last). */
static int convert(const struct gconf *g, struct ct_config *c, const char *target)
{
	bool to_mapped = !strcmp(target, "mapped");
	_cleanup_free_ char *root = xasprintf("%s/%u", g->private_dir, c->ctid);
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_NOPRIVATE, errno, "private area %s", root);
	/* the ranges must not overlap: an interrupted walk is then finished by the same one */
	if (c->uid_base < c->uid_size)
		return cerr(EX_BADVALUE, 0,
			    "container %u: uid_base %u is below the block size %u: its ranges on disk "
			    "would overlap",
			    c->ctid, c->uid_base, c->uid_size);
	const char *why = NULL;
	if (to_mapped && idmap_probe(root, c->uid_base, c->uid_size, &why) != 1)
		return cerr(EX_BADKERNEL, 0,
			    "ownership mapped: %s cannot be idmapped: %s (ext4, XFS and btrfs can; tmpfs from Linux "
			    "6.3)",
			    g->private_dir, why);
	struct idshift m = {0};
	if (idshift_add(&m, to_mapped ? c->uid_base : 0, to_mapped ? 0 : c->uid_base, c->uid_size) < 0)
		return cerr(EX_BADVALUE, EINVAL, "container %u: the id block %u+%u", c->ctid, c->uid_base, c->uid_size);
	int r = record_write(g, c->ctid, target);
	if (r < 0)
		return r;
	uint64_t t0 = now_ms();
	struct fscopy_opts fo = {.map = &m};
	if ((r = fscopy_reown(dfd, &fo)) < 0)
		return cerr_wrap(r, 0,
				 "convert container %u to ownership %s (the next start or set --ownership "
				 "finishes it)",
				 c->ctid, target);
	if ((r = param_set(c, param_find("ownership"), target)) < 0 || (r = ctconf_save(c)) < 0)
		return r;
	record_remove(g, c->ctid);
	log_file_only("Container converted to ownership %s: %llu entries in %llu ms", target,
		      (unsigned long long)fo.files, (unsigned long long)(now_ms() - t0));
	return 0;
}

void ct_ownership_forget(const struct gconf *g, unsigned ctid) { record_remove(g, ctid); }

int ct_ownership_resume(const struct gconf *g, struct ct_config *c)
{
	char target[16];
	int r = record_read(g, c->ctid, target);
	if (r <= 0)
		return r;
	log_info("finishing the interrupted conversion of container %u to ownership %s", c->ctid, target);
	return convert(g, c, target);
}

int ct_set_ownership(const struct gconf *g, unsigned ctid, const char *target, bool *changed)
{
	*changed = false;
	if (strcmp(target, "mapped") != 0 && strcmp(target, "shifted") != 0)
		return cerr(EX_BADVALUE, 0, "--ownership: invalid value '%s': expected mapped or shifted", target);
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "set --ownership", &lk);
	if (r < 0)
		return r;
	_cleanup_conf_ struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		return r;
	if (ctconf_overlay(c))
		return cerr(EX_BADVALUE, 0,
			    "container %u has layout overlay: its upper layer stays shifted (an overlay "
			    "with an idmapped upper layer mounts read-only); flatten it first",
			    ctid);
	if (!c->userns)
		return cerr(EX_BADVALUE, 0, "container %u has no user namespace: its ids are the host's", ctid);
	if (ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running: stop it first", ctid);
	char pending[16];
	if ((r = record_read(g, ctid, pending)) < 0)
		return r;
	if (r > 0 && strcmp(pending, target) != 0) {
		/* an interrupted conversion the other way: finish it first, then go back */
		log_info("finishing the interrupted conversion of container %u to ownership %s", ctid, pending);
		if ((r = convert(g, c, pending)) < 0)
			return r;
	}
	const char *now = ctconf_mapped(c) ? "mapped" : "shifted";
	if (r == 0 && !strcmp(now, target))
		return 0;
	*changed = true;
	return convert(g, c, target);
}

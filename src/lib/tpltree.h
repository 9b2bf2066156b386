/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Template trees: a template archive extracted once into template_dir/trees/NAME.ID, in
 * container-relative ownership (root = 0 on disk), the shared read-only lower layer of the
 * containers made with layout overlay. ID comes from the archive file (inode, size, mtime): a
 * rebuilt template gets a new tree, and the containers made from the old one keep theirs. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"
#include "lock.h"

/* The ID of the tree of an archive whose stat is st: 16 lowercase hex digits (FNV-1a of its
 * inode, size and modification time) into buf (at least 17 bytes). Pure. */
void tpl_tree_id(const struct stat *st, char buf[17]);
/* "NAME.ID" for template NAME and archive stat st (malloc'd). Pure. */
char *tpl_tree_name(const char *tname, const struct stat *st);
/* Is s a tree name tpl_tree_name makes (a template name, a dot, 16 hex digits)? Pure. */
bool tpl_tree_name_ok(const char *s);
/* template_dir/trees (malloc'd). Pure. */
char *tpl_trees_dir(const struct gconf *g);
/* template_dir/trees/TREE (malloc'd). Pure. */
char *tpl_tree_path(const struct gconf *g, const char *tree);

/* The lock every user of the trees holds while it makes or names one (create until its config is
 * written) or removes them (prune): waits for it. */
int tpl_tree_lock(const struct gconf *g, struct ct_lock *l);
/* With the lock held: the tree of template tname (its archive is archive) exists afterwards;
 * *tree gets its name (malloc'd), *made whether this call extracted it. A missing tree is
 * extracted with cellctl-archive (tpl_extract, no shift) into trees/.TREE.partial, checked for an
 * init and renamed into place (unless the archive changed meanwhile: EX_SYSTEM, EAGAIN); trees/
 * is made 0700 (container-relative ids collide with host users'). cancel: as tpl_extract_opts.
 * cerr EX_BADTEMPLATE for a bad archive, EX_SYSTEM else. */
int tpl_tree_ensure(const struct gconf *g, const char *tname, const char *archive, volatile int *cancel, char **tree,
		    bool *made);
/* Remove every tree that no container's config names (layout overlay, template_tree), and
 * leftovers of interrupted extractions; takes the lock itself. *removed gets the names removed
 * (malloc'd array of malloc'd strings, *n of them). A config that does not load makes it refuse
 * (cerr EX_BADCONFIG): its tree might be in use. */
int tpl_tree_prune(const struct gconf *g, char ***removed, unsigned *n);

/* May a create use layout overlay on this host, for a container with userns (block base, size)
 * or without? The private area's filesystem must take an overlay upper layer (ext4, XFS, btrfs,
 * tmpfs, f2fs, ZFS), overlayfs must be known to the kernel, and with a user namespace the
 * template_dir's filesystem must support idmapped mounts (idmap_probe). true, or false with the
 * reason (static text) in *why. */
bool tpl_overlay_usable(const struct gconf *g, bool userns, uint32_t base, uint32_t size, const char **why);

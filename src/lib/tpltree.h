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

/* The most trees in one overlay stack: a template and up to 7 layers over it (template commit
 * --layer); a container's lowerdir names them all. */
#define TPL_LAYERS_MAX 8u
/* A layer's tree records the tree it lies on in trees/TREE + this (one line, the parent's name). */
#define TPL_TREE_PARENT ".parent"

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
/* The same for a layer template (template commit --layer) over the tree parent (NULL: a full
 * template, as tpl_tree_ensure): every tree below parent must be there (cerr EX_NOTEMPLATE naming
 * the missing one) and the stack must stay within TPL_LAYERS_MAX (EX_BADTEMPLATE); the archive is
 * extracted with its whiteouts and opaque marks (tpl_extract_opts.layer), needs no init of its own
 * when a tree below has one, and its parent is recorded beside it (trees/TREE.parent) before the
 * tree is renamed into place. */
int tpl_tree_ensure_layer(const struct gconf *g, const char *tname, const char *archive, const char *parent,
			  volatile int *cancel, char **tree, bool *made);
/* The stack of tree: tree itself, then the tree it lies on (its recorded parent), down to a full
 * template's tree (*n of them, at most TPL_LAYERS_MAX; malloc'd array of malloc'd names). cerr
 * EX_NOTEMPLATE when one of them is missing, EX_BADTEMPLATE for a broken record or a stack over
 * the limit, EX_BADCONFIG for a tree name that is none. */
int tpl_tree_chain(const struct gconf *g, const char *tree, char ***chain, unsigned *n);
/* tpl_tree_chain as paths (tpl_tree_path of each). */
int tpl_tree_stack_paths(const struct gconf *g, const char *tree, char ***paths, unsigned *n);
/* Remove every tree that no container's config names (layout overlay, template_tree), and
 * leftovers of interrupted extractions; takes the lock itself. *removed gets the names removed
 * (malloc'd array of malloc'd strings, *n of them). A config that does not load makes it refuse
 * (cerr EX_BADCONFIG): its tree might be in use. */
int tpl_tree_prune(const struct gconf *g, char ***removed, unsigned *n);
/* Adds the names of more trees that must stay to (*names, *n) (realloc'd; malloc'd strings), called
 * with the lock held: 0, or a negative errno with cerr set. */
typedef int (*tpl_tree_keep_fn)(const struct gconf *g, void *arg, char ***names, unsigned *n);
/* tpl_tree_prune, keeping the trees keep(arg) names too (NULL: none). The trees below every tree
 * kept (a layer's parents, tpl_tree_chain) are kept with it, and the parent records of removed
 * trees go. */
int tpl_tree_prune_keep(const struct gconf *g, tpl_tree_keep_fn keep, void *arg, char ***removed, unsigned *n);

/* May a create use layout overlay on this host, for a container with userns (block base, size)
 * or without? The private area's filesystem must take an overlay upper layer (ext4, XFS, btrfs,
 * tmpfs, f2fs, ZFS), overlayfs must be known to the kernel, and with a user namespace the
 * template_dir's filesystem must support idmapped mounts (idmap_probe). true, or false with the
 * reason (static text) in *why. */
bool tpl_overlay_usable(const struct gconf *g, bool userns, uint32_t base, uint32_t size, const char **why);

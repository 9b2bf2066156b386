/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The template cache as a whole: templates made from containers (template commit), with their
 * origin beside them (template_dir/cache/NAME.origin), the list with each template's parent, size
 * and users, and the removal of a template nobody uses. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Where a committed template came from: cache/NAME.origin, lines "key = value". */
struct tpl_origin {
	char parent[129]; /* the template of the container ("" when it named none) */
	unsigned ctid;    /* the container */
	char created[32]; /* when, UTC, "2026-12-06T23:10:00Z" */
	char layout[16];  /* the container's layout then: "copy" or "overlay" */
	bool layer;       /* template commit --layer: the archive holds only the container's upper layer */
	char parent_tree[160]; /* a layer: the tree it lies on (its parent's version then, tpltree.h) */
};
/* Parse the text of an origin file into o (zeroed first): unknown keys are skipped, a parent that
 * is no valid template name or a CTID that is no number leaves the field empty. Pure. */
void tpl_origin_parse(const char *text, struct tpl_origin *o);
/* The text of an origin file (malloc'd). Pure. */
char *tpl_origin_format(const struct tpl_origin *o);
/* Read the origin of template name: 0, or -ENOENT when it has none (a built or copied template),
 * another negative errno when it cannot be read (no cerr: the caller decides). */
int tpl_origin_read(const struct gconf *g, const char *name, struct tpl_origin *o);

struct tpl_commit_opts {
	bool force;    /* replace a template of that name */
	bool progress; /* the packing's progress line on a terminal */
	bool layer;    /* only the upper layer of a layout overlay container, as a layer over its template tree */
};
/* Pack the root of stopped container ctid into the new template name
 * (template_dir/cache/NAME.tar.zst), in container-relative ownership (tpl_pack_opts: the
 * container's block moved back to 0, ids below the block size kept: on layout overlay the merged
 * root, whose lower layer is container-relative already), and write its origin. The CT lock is held throughout; the archive is
 * packed under a temporary name and renamed into place under the template trees' lock, so that no
 * create is extracting the template it replaces; the other archives of that name (another
 * compression) go. cerr: EX_BADVALUE for an invalid name, EX_NOCONF for no such container,
 * EX_NOPRIVATE when its private area is missing, EX_RUNNING while it runs, EX_PRIVEXISTS when the
 * template exists (without force), EX_LOCKED, EX_SYSTEM. Nothing is left behind on failure. */
int tpl_commit(const struct gconf *g, unsigned ctid, const char *name, const struct tpl_commit_opts *o);
/* With o->layer, tpl_commit packs only the container's upper layer (its shifted owners moved back
 * the same way, its whiteouts and opaque directories kept: tpl_pack_opts.layer) and records the
 * template as a layer over the container's template and template tree (origin: layer, parent,
 * parent_tree). Refused: layout copy (EX_LAYOUT), a layer over the template of the same name
 * (EX_BADVALUE), a stack over TPL_LAYERS_MAX (EX_LAYOUT), a redirect or metacopy in the upper
 * layer (EX_LAYOUT). */

/* Is template name a layer (its origin says so)? */
bool tpl_is_layer(const struct gconf *g, const char *name);
/* tpl_tree_ensure for template tname (archive): a layer's tree over its recorded parent tree
 * (tpl_tree_ensure_layer), a full template's as before. The caller holds the trees' lock. */
int tpl_tree_for(const struct gconf *g, const char *tname, const char *archive, volatile int *cancel, char **tree,
		 bool *made);
/* A private copy of a layer template (create --layout copy): its tree ensured (tpl_tree_for, under
 * the trees' lock), and the merged tree of its stack (ctroot_open_stack: whiteouts applied, opaque
 * directories hiding what lies below) copied into the directory dstfd with ids moved through map
 * (NULL: as they are), through scratch space made and removed in private_dir. cerr as those. */
struct idshift;
int tpl_layer_copy(const struct gconf *g, const char *tname, const char *archive, int dstfd, const struct idshift *map,
		   volatile int *cancel);
/* template prune: tpl_tree_prune_keep, keeping too the tree every layer template lies on. */
int tpl_prune(const struct gconf *g, char ***removed, unsigned *n);

/* One template of the cache, for template list. */
struct tpl_info {
	char *name;
	char *archive;    /* its file (the one tpl_find picks) */
	uint64_t size;    /* its size in bytes */
	bool has_origin;  /* made by template commit: origin holds where from */
	struct tpl_origin origin;
	unsigned *users;  /* the containers whose ostemplate or template_tree names it, or whose template
			   * tree lies on one of its trees (a layer's stack), sorted */
	unsigned nusers;
	char **children;  /* the templates whose origin names it as parent, sorted */
	unsigned nchildren;
};
/* Every template of the cache (tpl_list order) with its origin, size, users and children.
 * Configs that do not load are skipped (nothing of them is known). */
int tpl_info_list(const struct gconf *g, struct tpl_info **out, unsigned *n);
void tpl_info_free(struct tpl_info *v, unsigned n);

/* Remove template name: its archives (every compression), its origin and its template trees.
 * Refused (cerr EX_TPLINUSE, naming them) while one of its trees is in a container's stack (its
 * template_tree, or a tree below that one when it is a layer's)
 * or another template's origin names it as parent; EX_BADCONFIG when a config does not load (it
 * may use a tree); EX_NOTEMPLATE when there is no such template; EX_BADVALUE for an invalid name.
 * Takes the template trees' lock (no create names a tree meanwhile). *trees gets the names of the
 * trees removed (malloc'd array of malloc'd strings, *n of them). */
int tpl_remove(const struct gconf *g, const char *name, char ***trees, unsigned *n);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clone and flatten: a new container from a stopped one, and an overlay container turned into a
 * full private copy. The trees are copied by fscopy with the owners moved between the id blocks
 * (idshift), the merged root of an overlay container read through ctroot. */
#pragma once
#include "config.h"

struct clone_opts {
	const char *layout; /* NULL: the source's; "copy" or "overlay" */
	/* applies the command line's --name, --hostname, --ipadd to the new config */
	int (*apply)(struct ct_config *c, void *arg);
	void *arg;
};

/* A new container dst from the stopped container src (both locked meanwhile). dst gets src's
 * config with a new UUID (so new derived MACs: explicit mac, host_mac and host_ifname of its
 * interfaces are dropped), a new id block (with a user namespace), its own quota project ID, no
 * name, no hostname and no addresses (they would collide) but those o->apply sets. Its tree:
 * overlay to overlay, the same template tree and a copy of src's upper layer; copy to copy, a full
 * copy; overlay to copy, a copy of src's merged root (flattened); copy to overlay is refused
 * (EX_LAYOUT). Owners move from src's block to dst's (the tree's container-relative owners of a
 * merged root too). Made as create makes a container: .DST.partial, the creating marker, the
 * config last; nothing is left when it fails or is interrupted (SIGINT, SIGTERM, SIGHUP).
 * cerr EX_PRIVEXISTS (dst exists, or is src), EX_NOCONF (no src), EX_RUNNING (src runs),
 * EX_NOPRIVATE (src's private area or, overlay to overlay, its template tree missing),
 * EX_LOCKED, EX_LAYOUT, EX_RESOURCE (no free id block), the parameter codes, EX_SYSTEM. */
int ct_clone(const struct gconf *g, unsigned src, unsigned dst, const struct clone_opts *o);

/* Turn the stopped overlay container ctid into layout copy: its merged root is copied (owners of
 * the template tree moved into its block) into private_dir/.CTID.flatten, swapped in for the
 * private area (the old one renamed to .CTID.flattened), the config saved with layout copy and no
 * template_tree, then the old area removed; the template tree stays (template prune removes it
 * when no container uses it). An interrupted flatten is undone or finished by the next flatten
 * of ctid (meanwhile start may refuse the container): one that finishes it returns 0. cerr EX_NOCONF, EX_RUNNING, EX_LOCKED,
 * EX_LAYOUT (already copy), EX_SYSTEM. */
int ct_flatten(const struct gconf *g, unsigned ctid);

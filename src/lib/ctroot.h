/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The full root of a stopped container as the host sees it, for host-side work on the whole tree
 * (clone, flatten): layout copy, the private area itself; layout overlay, the merged overlay of
 * the template tree (bound read-only and plain: its owners stay container-relative, [0, size))
 * under the container's upper layer (shifted owners, [base, base + size)), mounted by a forked
 * child in a mount namespace of its own (mounts.c's mnt_bind_root), so that nothing appears in
 * the host's namespace. The two ranges do not overlap: every owner of the merged view says which
 * layer's ids it is. */
#pragma once
#include "config.h"

/* *rootfd gets an O_DIRECTORY descriptor of container c's root (c is stopped: the caller holds
 * its lock; a running one is refused, EX_RUNNING). Layout overlay: the overlay is mounted by a
 * child in a private mount namespace that exits once it has passed the descriptor on: the mount
 * lives, detached, until *rootfd is closed, and the container cannot be started meanwhile only
 * because its lock is held. cerr EX_BADCONFIG (overlay without template_tree), EX_NOPRIVATE (the
 * private area or the tree missing), EX_CANTMOUNT, EX_SYSTEM. */
int ctroot_open(const struct gconf *g, const struct ct_config *c, int *rootfd);
/* *rootfd gets an O_DIRECTORY descriptor of the merged tree of a layer template's stack (tree,
 * a layer, and the trees below it: tpl_tree_chain), a read-only overlay with no upper layer, its
 * owners as on disk (container-relative), mounted as ctroot_open's in a private mount namespace on
 * mount points made in scratch (an empty directory of host root's, removed by the caller once
 * *rootfd is closed). cerr EX_NOTEMPLATE (a tree missing), EX_CANTMOUNT, EX_SYSTEM. */
int ctroot_open_stack(const struct gconf *g, const char *tree, const char *scratch, int *rootfd);
/* Run fn(rootfd, arg) with the descriptor of ctroot_open, closed afterwards; returns fn's result. */
int ctroot_run(const struct gconf *g, const struct ct_config *c, int (*fn)(int rootfd, void *arg), void *arg);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bind mounts from the host (bindmount.h has the spec and the config): their host directories
 * checked, cloned detached (open_tree) in the host's mount namespace with their attributes
 * (nosuid, nodev always; read-only; propagation; idmap), locked for a container with a user
 * namespace, and attached in the container's mount tree: at start by the mount builder (spawn.c),
 * or live in a running container (set), where they are also removed. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

/* Is b usable for c on this host: its host directory exists, is a directory reached through no
 * symbolic link, is neither in nor above private_dir or template_dir (containers' roots); shared
 * propagation without a user namespace only; idmap with a user namespace only. 0 or cerr code
 * (EX_BADVALUE at set, EX_CANTMOUNT at start). */
int bmnt_check(const struct gconf *g, const struct ct_config *c, const struct ct_bind *b, int code);
/* Check every bind of c that old lacks (old NULL: every one) with code EX_BADVALUE; with warn, a
 * slave or shared one whose host directory's mount is not shared gets a warning (it propagates
 * nothing). */
int bmnt_check_new(const struct gconf *g, const struct ct_config *old, const struct ct_config *c, bool warn);

/* At start, in the mount builder while it is still in the host's mount namespace and user
 * namespace: the detached trees of c's binds, in the order they are attached (shorter guest
 * paths first), in trees[] (c->nbinds of them, malloc'd). userns_fd: the container's user
 * namespace (with c->userns), for idmap and for the lock. cerr EX_CANTMOUNT. */
int bmnt_open_all(const struct gconf *g, const struct ct_config *c, int userns_fd, int **trees);
/* At start, in the builder once it is in the container's mount namespace (pivoted; with a user
 * namespace: in it, and in the copy init gets): create each guest directory when missing (as the
 * container's root, through RESOLVE_IN_ROOT) and attach its tree there. Closes the trees and frees
 * the array. cerr EX_CANTMOUNT. */
int bmnt_attach_all(const struct ct_config *c, int *trees);
/* Close what bmnt_open_all gave (on a failure before bmnt_attach_all). */
void bmnt_close_all(const struct ct_config *c, int *trees);

/* set on a running container (init init_pid, state start time start): detach the binds of old
 * that c lacks or changed (only a mount at the guest path that is the root of a bind of the same
 * host directory: anything else there is left alone, an error), then attach c's new ones, from
 * a child in the container's mount namespace. A bind made at start in a container with a user
 * namespace is locked by the kernel: it stays until the next start (a warning). cerr
 * EX_BADVALUE (check), EX_CANTMOUNT. */
int bmnt_live(const struct gconf *g, const struct ct_config *old, const struct ct_config *c, pid_t init_pid);

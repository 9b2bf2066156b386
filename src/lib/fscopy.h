/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copying and re-owning whole directory trees of containers (host root's work on a stopped
 * container's tree: a private copy, an overlay's upper layer, the merged view of an overlay):
 * owners, and the ids inside file capabilities and POSIX ACLs, go through an idshift mapping.
 * Symlinks are never followed (every access is relative to an open directory, O_NOFOLLOW), the
 * depth is bounded, and a cancel flag stops the walk between entries. */
#pragma once
#include <stdint.h>

#include "idshift.h"

#define FSCOPY_MAX_DEPTH 256

struct fscopy_opts {
	const struct idshift *map; /* owners and ids in xattrs through it; NULL: as they are */
	unsigned max_depth;        /* 0: FSCOPY_MAX_DEPTH */
	volatile int *cancel;      /* when it becomes nonzero: stop, cerr EX_SYSTEM with -EINTR */
	uint64_t files;            /* out: entries copied or re-owned */
	uint64_t bytes;            /* out (fscopy_tree): data bytes copied */
};

/* Copy the contents of the directory srcfd into the directory dstfd (empty, made by the caller),
 * and srcfd's own owner, mode, xattrs and times onto dstfd. Kept: the file type (directories,
 * regular files, symlinks, device nodes (overlayfs whiteouts too), FIFOs, sockets), the mode with
 * its setuid, setgid and sticky bits, owners (mapped), access and modification times, xattrs
 * (user., trusted. with overlayfs's trusted.overlay.* opaque and whiteout marks, security.; a
 * revision 3 security.capability's rootid and the ids of POSIX ACLs mapped), hard links (one
 * inode, linked again), holes of sparse files (SEEK_DATA / SEEK_HOLE; data with copy_file_range,
 * read/write where that is refused). A malformed file capability or ACL is dropped with a
 * warning; an xattr the destination's filesystem does not support, too. cerr EX_SYSTEM with the
 * entry's path (relative to srcfd) on failure, -ELOOP past max_depth; the caller removes what was
 * copied. */
int fscopy_tree(int srcfd, int dstfd, struct fscopy_opts *o);
/* Re-own the tree of the directory dirfd in place through o->map (dirfd itself too): lchown of
 * every entry whose owner moves, its file capability's rootid and ACL ids rewritten, and the
 * setuid/setgid bits, which chown clears, put back. Does not cross into other mounts (-EXDEV).
 * cerr EX_SYSTEM on failure (the tree is then partly re-owned: running it again with the same
 * mapping finishes it, as long as the ranges do not overlap). */
int fscopy_reown(int dirfd, struct fscopy_opts *o);

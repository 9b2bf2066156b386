/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tmpfs archives of a CRIU checkpoint (tmpfs-dev-N.tar.gz.img): the device nodes in them made
 * empty regular files. A container's /dev holds the host's nodes bound over empty files; CRIU 3.17
 * archives such a tmpfs (its children are locked mounts: it cannot bind it clean) through those
 * mounts, and its restore, in the container's user namespace, cannot mknod them back. Underneath
 * the mounts, which the restore binds again, they are the empty files this makes of them. */
#pragma once

/* Rewrite the gzip'd tar in (ustar/GNU headers) to out: every character or block device entry
 * becomes an empty regular file of the same name, mode and owner; everything else is copied as
 * it is. Returns the number of entries changed (0 and up), -EINVAL when in is not a tar of
 * whole 512-byte blocks, other -errno. */
int criutar_fix_nodes(const char *in, const char *out);

/* criutar_fix_nodes on each tmpfs-*.tar.gz.img of checkpoint directory dir, in place (through a
 * temp file renamed over it). The number of entries changed, or -errno. */
int criutar_fix_dir(const char *dir);

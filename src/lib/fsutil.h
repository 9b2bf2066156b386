/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Safe filesystem work on untrusted trees (private areas): never follow a guest symlink out,
 * never cross a mount point. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

/* Remove dirfd/name recursively: no symlink following, no crossing into other mounts (a mount
 * point found inside makes it fail with -EBUSY and leaves that part in place), chattr-immutable
 * flags are not touched. Returns 0 or -errno. */
int fs_remove_tree(int dirfd, const char *name);
/* Open path inside root (dirfd of a private area) with openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS.
 * flags as for openat (O_CLOEXEC added). */
int guest_open(int rootfd, const char *path, int flags, mode_t mode);
/* The same, following no symlink at all (not even one that stays inside), for paths cellctl
 * itself made there (mount points); mount points are crossed. */
int guest_open_nofollow(int rootfd, const char *path, int flags);
/* Does path exist inside root (resolved as the guest would, symlinks kept inside)? */
bool guest_exists(int rootfd, const char *path);
/* Atomically replace a regular file inside the guest: opens the parent dir in-root (a symlinked
 * parent resolves inside the root), writes a temp file there (O_EXCL|O_NOFOLLOW), fsyncs, and
 * renames it over the final name. A symlink at the target is therefore replaced, never followed:
 * it never writes outside the root. mode is applied exactly (no umask); uid/gid: owner to set
 * (or -1). Returns 0 or -errno (no cerr: the caller adds context). */
int guest_write_file(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);
/* The same without the two fsyncs, for a file every start derives again from the container's
 * config (hostname, hosts, network files, machine-id): after a crash the next start compares and
 * writes it again, so durability buys nothing there (and costs ~2 ms on a first start). */
int guest_replace_file(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);
/* Open path below dirfd with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|
 * RESOLVE_NO_XDEV (O_CLOEXEC|O_NOCTTY added; "" or NULL is dirfd itself): -ELOOP for any symlink on
 * the way (the last component too, unless O_PATH|O_NOFOLLOW), -EXDEV for a mount point. */
int fs_open_beneath(int dirfd, const char *path, int flags);
/* Open dirfd/name (never following a symlink there) with flags, only when it is a regular file:
 * it is looked at through O_PATH first, so a device node, FIFO or socket is never opened (-EINVAL).
 * O_CREAT/O_TRUNC are ignored. -errno (and errno) on failure. */
int fs_open_regular(int dirfd, const char *name, int flags);
/* The same for path inside the guest, resolved as guest_open does. */
int guest_open_regular(int rootfd, const char *path, int flags);
/* Read path inside the guest (at most 1 MiB). *text NULL and *mode 0 when it does not exist or is
 * not a regular file (a device node, FIFO or socket is never opened). Returns 0 or -errno. */
int guest_read(int rootfd, const char *path, char **text, mode_t *mode);
/* Remove path inside the guest (its last component is never followed); missing is fine. */
int guest_unlink(int rootfd, const char *path);
/* Create parent/name inside the guest (mode 0755, owned by uid:gid) when missing. */
int guest_mkdir(int rootfd, const char *parent, const char *name, uid_t uid, gid_t gid);
/* Is path a directory inside the guest (symlinks resolved inside it)? */
bool guest_is_dir(int rootfd, const char *path);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate --online: the CRIU checkpoint's part (cellctl(8), MIGRATION). The source checkpoints the
 * container into a scratch directory of its run_dir, and after the backup archive of the private
 * area sends the checkpoint's images as a second, small archive: a plain ustar stream of the
 * directory's regular files (flat, no compression). The destination (the plumbing command
 * migrate-restore) extracts it confined into a root-only directory of its run_dir, refusing any
 * entry that is not a regular file with a plain name, rebases the user namespace's id maps of the
 * images onto its own block, and restores the container from it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The checkpoint directory of an online migration of ctid on this host (malloc'd):
 * DUMPDIR/migrate/dump.CTID on the source, DUMPDIR/migrate/recv.CTID on the destination ([backup]
 * dumpdir: on disk). DUMPDIR/migrate is made mode 0700 by the users of these paths. */
char *mig_dump_dir(const struct gconf *g, unsigned ctid, bool recv);

/* Write the regular files of directory dir (not its subdirectories: a checkpoint is flat) to fd
 * as a ustar archive (mode 0644, owner 0, no compression), ended by two zero blocks. 0, or cerr
 * EX_MIGRATE (a file that is not regular, a name over 99 bytes, a write error: -EPIPE when the
 * reader went away). */
int mig_images_send(const char *dir, int fd);

/* Read a ustar stream written by mig_images_send from fd into directory dir (made here, mode
 * 0711, must not exist; its parent must), every file created there with O_EXCL|O_NOFOLLOW, mode
 * 0644. Refused (cerr EX_RESTORE): a header with a bad checksum, an entry that is not a regular
 * file, a name with '/' or starting with '.', a name seen twice, more than 4096 entries, a stream
 * cut short. On failure whatever was made is removed. */
int mig_images_receive(int fd, const char *dir);

/* Pure: rewrite a CRIU userns image (IMG_COMMON_MAGIC, USERNS_MAGIC, then size-prefixed
 * UsernsEntry protobuf messages) so that each extent's lower_first is base + first, its first
 * and count kept: the user namespace restored on this host maps the container's ids onto this
 * host's block [base, base + size). *out is malloc'd (*outlen its length). -EINVAL when the image
 * is not such a file or an extent does not fit in [0, size). */
int criu_userns_rebase(const uint8_t *in, size_t len, uint32_t base, uint32_t size, uint8_t **out, size_t *outlen);

/* criu_userns_rebase on every userns-*.img of checkpoint directory dir (in place, through a temp
 * file renamed over it). The number of images rewritten, or a cerr'd EX_RESTORE. */
int mig_userns_rebase_dir(const char *dir, uint32_t base, uint32_t size);

/* Set container ctid's "disabled" (saved): what migrate keeps on the source, and the destination's
 * copy gets back, for the time of a migration. ct_set's errors. */
int mig_set_disabled(const struct gconf *g, unsigned ctid, bool on);

/* The destination's half (migrate-restore): the images from fd into mig_dump_dir(recv), rebased
 * onto ctid's id block here when it has a user namespace, the container enabled (with enable:
 * its config travelled disabled), then restored (ctcriu.h ct_restore; CRIU's checks are not run
 * again: migrate-check --online ran them). The directory is removed in every case. cerr
 * EX_RESTORE, EX_NOCONF, ct_set's and restore's errors. */
int ct_migrate_restore(const struct gconf *g, unsigned ctid, int fd, bool enable);

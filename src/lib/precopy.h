/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A migration's pre-copy: its first pass copies the data of the running container's regular files
 * to the destination as objects named by inode number, and its final pass (the backup stream,
 * with the container stopped or checkpointed) sends only what changed since; a file that did not
 * change is a reference to its object, which the destination renames into place.
 *
 *   first pass: a tar (pax) stream of PC_FORMAT_NAME ("1\n"), then PC_OBJ_DIR/INO for each
 *   regular file with data (one per inode; owner, mode and xattrs are not sent: the final pass
 *   has them), then PC_SUM_NAME (the SHA-256 of the objects' payload as a backup's, backup.h).
 *   The sender walks the tree itself (one file system, directories opened one component at a
 *   time without following symlinks, a file opened only once an O_PATH look found it regular: a
 *   guest swapping in a FIFO or a device node is never opened) and records each object it sent
 *   whole (struct pc_record: inode, size, SHA-256 of its data). The receiver writes the objects
 *   into a stage directory of its own, private_dir/.precopy.CTID.TOKEN (TOKEN: this migration's,
 *   random), and marks it PC_COMPLETE once the sum matches.
 *
 *   final pass: a backup stream (backup.h) in which a regular file whose inode has a record of the
 *   same size, whose ctime is before t0, and whose data still has the record's SHA-256 goes with
 *   size 0 and the pseudo extended attribute PC_XATTR, "INO SIZE" (decimal): the payload hash
 *   takes "precopy INO SIZE\n" after its header. The restore extracts the file empty with all its
 *   metadata, copies that metadata onto object INO (owner, xattrs and ACLs, mode, times, project
 *   id) and renames the object over it.
 *
 * The data decides, not the times: a write the kernel stamped (ctime) when it started can still
 * be running when the first pass reads the file (direct or asynchronous I/O), and a write through
 * a shared mapping of a file system without writeback is never stamped. A file stamped after t0
 * (taken before the first pass starts reading, less a margin for the kernel's coarse clock) has
 * most likely changed: it is sent whole without being read twice. Objects are named by inode,
 * not by path, so that directories the guest renames while the first pass runs cannot pair a
 * path with another file's data. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inoset.h"

#define PC_FORMAT_NAME "cellctl-precopy/format"
#define PC_FORMAT "1\n"
#define PC_OBJ_DIR "obj"
#define PC_SUM_NAME "cellctl-precopy/sha256"
#define PC_XATTR "cellctl.precopy"
#define PC_COMPLETE ".complete"
/* t0 is this much before the clock read before the first pass (the kernel stamps files from a
 * clock that may lag the one we read by a tick, more under multigrain timestamps' coarse mode) */
#define PC_T0_MARGIN_SEC 2

/* What the first pass sent of one inode (the list, in host order). */
struct pc_record {
	uint64_t ino, size;
	uint8_t sha256[32];
};

struct tpl_precopy {
	int64_t t0_sec; /* the final pass: only a file whose ctime is before t0 is looked at... */
	long t0_nsec;
	struct pc_record *rec; /* ...and referred to when its inode, size and data match a record here */
	size_t nrec;           /* (read from listfd by the archiver, sorted by inode) */
	struct inoset used;    /* the records referred to (each object is used once) */
	int listfd;            /* the first pass writes its records here; the final pass reads them */
	int statfd;            /* >= 0: "FILES BYTES\n" is written here at the end (the first pass: objects
				* sent, their bytes; the final: references made, the bytes they spared) */
	uint64_t files, bytes;
};

/* The records of len bytes at buf added to pc's, sorted by inode; an inode recorded twice (the
 * sender never does) keeps no record at all. -EINVAL when len is not a whole number of records. */
int pc_records_load(struct tpl_precopy *pc, const void *buf, size_t len);
/* The record of ino, or NULL. */
const struct pc_record *pc_record_find(const struct tpl_precopy *pc, uint64_t ino);
void pc_records_free(struct tpl_precopy *pc);
/* Is s a migration's token: 32 lower-case hex digits? */
bool pc_token_ok(const char *s);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A migration's pre-copy: its first pass copies the data of the running container's regular files
 * to the destination as objects named by inode number, and its final pass (the backup stream,
 * with the container stopped or checkpointed) sends only what changed since; a file that did not
 * change is a reference to its object, which the destination renames into place.
 *
 *   first pass: a tar (pax) stream of PC_FORMAT_NAME ("1\n"), then PC_OBJ_DIR/INO for each
 *   regular file with data (one per inode; owner, mode and xattrs are not sent: the final pass
 *   has them), then PC_SUM_NAME (the SHA-256 of the objects' payload as a backup's, backup.h).
 *   The sender writes each inode it sent whole to a list (8 bytes each, host order); the receiver
 *   writes the objects into a stage directory of its own and marks it PC_COMPLETE once the sum
 *   matches.
 *
 *   final pass: a backup stream (backup.h) in which a regular file whose inode is on the list and
 *   whose ctime is before t0 goes with size 0 and the pseudo extended attribute PC_XATTR,
 *   "INO SIZE" (decimal): the payload hash takes "precopy INO SIZE\n" after its header. The
 *   restore extracts the file empty with all its metadata, copies that metadata onto object INO
 *   (owner, xattrs and ACLs, mode, times, project id) and renames the object over it.
 *
 * Why ctime: a guest can set a file's mtime and atime, not its ctime; every change of data or
 * metadata, a rename of the file itself and a change of its link count set it to the current
 * time. t0 is taken before the first pass starts reading (less a margin for the kernel's coarse
 * clock), after a syncfs of the private area: pages written through a shared mapping before it
 * are written back and write-protected, so their next write through the mapping stamps the file
 * again. An object is named by its inode, not its path, so that directories renamed while the
 * first pass ran cannot pair a path with another file's data. */
#pragma once
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

struct tpl_precopy {
	int64_t t0_sec; /* the final pass: a file whose ctime is before t0... */
	long t0_nsec;
	struct inoset sent; /* ...and whose inode is here (read from listfd by the archiver) */
	int listfd;         /* the first pass writes the list of inodes it sent here; the final reads it */
	int statfd;         /* >= 0: "FILES BYTES\n" is written here at the end (the first pass: objects
			     * sent, their bytes; the final: references made, the bytes they spared) */
	uint64_t files, bytes;
};

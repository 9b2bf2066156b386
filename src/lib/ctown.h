/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ownership of a layout copy container with a user namespace ([container] ownership): its
 * private area container-relative on disk (mapped, idmapped at start) or shifted into its block
 * (shifted), and the conversion of a stopped container between the two, in place. A conversion
 * is recorded in progress by private_dir/.CTID.reowning (its target): one that was interrupted
 * is finished by the next start or conversion of the container, never left half-done. */
#pragma once
#include <stdbool.h>

#include "config.h"

/* Convert the stopped container ctid to ownership target ("mapped" or "shifted"), under its CT
 * lock: every owner in its private area, the rootid of file capabilities and the ids of ACLs are
 * moved from one range to the other, set-id bits kept; then the config records the target.
 * *changed: false when the container had that ownership already (nothing done). Refused: a
 * running container (EX_RUNNING), layout overlay or no user namespace (EX_BADVALUE, saying why),
 * mapped where private_dir's filesystem cannot be idmapped (EX_BADKERNEL). A failure midway
 * leaves the record: the next start or set --ownership finishes the conversion. */
int ct_set_ownership(const struct gconf *g, unsigned ctid, const char *target, bool *changed);
/* With the CT lock held: drop the record of a conversion of ctid (destroy; a create, for which a
 * record is one of a container destroyed long ago). */
void ct_ownership_forget(const struct gconf *g, unsigned ctid);
/* With the CT lock held, before a start of c: finish a conversion that was interrupted (its
 * record exists), updating c and its config. 0 when there was none or it is done now; else the
 * error of the conversion (the container must not start half converted). */
int ct_ownership_resume(const struct gconf *g, struct ct_config *c);

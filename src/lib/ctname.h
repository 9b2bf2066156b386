/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container names ([container] name, vzctl's --name): unique per host, accepted wherever a CTID
 * is. A name is never all digits (params.c refuses that), so a command-line word that is all
 * digits is a CTID and any other is a name. Names are read from the saved configs. */
#pragma once

#include "config.h"

/* The container whose saved config carries name: 0 and *ctid. -ENOENT (no cerr: the caller says
 * what that means) when none does; cerr EX_BADCONFIG when more than one does (configs edited by
 * hand). */
int ct_name_find(const struct gconf *g, const char *name, unsigned *ctid);
/* May ctid take name? cerr EX_BADVALUE naming the container that has it already. */
int ct_name_check(const struct gconf *g, unsigned ctid, const char *name);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* import-vz: a legacy OpenVZ container (its CTID.conf and a plain private area, as simfs keeps it)
 * becomes a cellctl container: the config translated by vzconf.c, the tree copied or moved in
 * with its (container-relative) owners shifted into the new container's id block by fscopy. */
#pragma once
#include <stdbool.h>

#include "config.h"
#include "vzconf.h"

struct import_opts {
	const char *conf;    /* the OpenVZ CTID.conf */
	const char *private; /* the private area; NULL: the file's VE_PRIVATE ($VEID expanded) */
	bool move;           /* rename the tree in and re-own it in place (same file system) instead of copying */
	bool dry_run;        /* translate and check only: nothing is made */
};

/* Import into the new container ctid. rep (initialised here, freed by the caller with
 * vzconf_report_free) gets the translation report as soon as the config was read, also when the
 * import then fails. The $VEID of the file is the number of its name (NNN.conf), else its VEID
 * key, else ctid. Made as create makes a container (.CTID.partial, the creating marker, the config
 * last); nothing is left when it fails or is interrupted (SIGINT, SIGTERM, SIGHUP): a moved tree
 * is re-owned back and renamed back. cerr EX_NOCONF (no config file), EX_BADCONFIG (a bad line,
 * a shell expansion), a refused key's code (the parameter's; EX_LAYOUT for VE_LAYOUT=ploop or a
 * ploop private area), EX_NOPRIVATE (no private area: none given and no VE_PRIVATE, or missing),
 * EX_BADTEMPLATE (no init in it), EX_BADVALUE (it holds private_dir; NAME taken), EX_PRIVEXISTS, EX_LOCKED, EX_RESOURCE (no free id block), the
 * network codes of create, EX_SYSTEM (--move across file systems among them). */
int ct_import_vz(const struct gconf *g, unsigned ctid, const struct import_opts *o, struct vz_report *rep);

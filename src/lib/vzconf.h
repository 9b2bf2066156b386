/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenVZ container configs (CTID.conf, vzctl 4.x) read as text and translated key by key into a
 * cellctl config through the parameter table (pure: no I/O, no shell ever run). Units are the
 * FILE's: PHYSPAGES and SWAPPAGES count 4 KiB pages (barrier:limit), DISKSPACE KiB, DISKINODES
 * inodes, IOLIMIT bytes/s; a number may carry vzctl's suffixes (K M G T: powers of 1024, P:
 * pages, B: bytes, with a decimal fraction: "2.2G"). Every key gets a report entry: translated,
 * approximated (with why), ignored (with why) or refused (the import cannot go on). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* The longest line and the largest file read (a CTID.conf is a few KiB). */
#define VZCONF_LINE_MAX 8192
#define VZCONF_FILE_MAX (1024 * 1024)

/* One KEY=value assignment of the file, the value unquoted (shell quoting rules of vzctl's files:
 * "..." with \ escapes, '...' literal, bare words). */
struct vz_var {
	char *key, *value;
	unsigned line;
};

struct vz_vars {
	struct vz_var *v;
	size_t n;
};

/* Parse text (the file name for messages): comments, blank lines, KEY=value lines (an optional
 * "export "). A later assignment of a key replaces the earlier (kept, reported as overridden).
 * Refused with cerr EX_BADCONFIG "NAME:LINE: ...": a line that is no assignment, an unterminated
 * quote, a command substitution ($( or `), a line over VZCONF_LINE_MAX, text over VZCONF_FILE_MAX,
 * a NUL byte. */
int vzconf_parse(const char *text, const char *name, struct vz_vars *out);
void vzconf_vars_free(struct vz_vars *v);

enum vz_kind { VZ_TRANSLATED, VZ_APPROX, VZ_IGNORED, VZ_REFUSED };

struct vz_item {
	char *key, *value; /* as in the file */
	unsigned line;
	enum vz_kind kind;
	char *what; /* translated/approximated: the cellctl settings ("ram 256M"); then, or else, why */
	int code;   /* refused: the exit code */
};

struct vz_report {
	struct vz_item *items;
	size_t n;
	unsigned count[4]; /* by enum vz_kind */
	char *private_dir; /* VE_PRIVATE with $VEID expanded, NULL when absent */
	bool ploop;        /* VE_LAYOUT=ploop */
};

/* Translate vars into c (a fresh config of the new container: param_set on c and c->doc, as
 * create applies its options). veid: the old container's ID, for $VEID / ${VEID} in VE_PRIVATE and
 * VE_ROOT (no other expansion is done: another $NAME is refused). A value cellctl refuses becomes
 * a refused entry with the parameter's exit code (the error is not left recorded); so does
 * VE_LAYOUT=ploop (EX_LAYOUT). Always returns 0: the report says what happened. */
int vzconf_translate(const struct vz_vars *vars, unsigned veid, struct ct_config *c, struct vz_report *rep);
void vzconf_report_free(struct vz_report *rep);
/* The first refused entry, or NULL. */
const struct vz_item *vzconf_first_refused(const struct vz_report *rep);
/* The report as text (malloc'd): one line per key ("translated   PHYSPAGES=\"0:65536\" -> ram 256M"),
 * values escaped and cut at 60 characters, and a summary line. */
char *vzconf_report_render(const struct vz_report *rep);
/* Parse an OpenVZ number with the file's unit for a bare number (vzctl's suffixes, a fraction with
 * a suffix); "unlimited" and the 64-bit and, for pages, 32-bit "unlimited" values
 * (9223372036854775807, 2147483647 pages) give SIZE_UNLIMITED. -EINVAL / -ERANGE. */
int vzconf_number(const char *s, uint64_t unit, uint64_t *out);

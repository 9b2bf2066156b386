/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tplarchive: the libarchive half of templates, in this process (the contracts are tpl_extract's and
 * tpl_pack's, template.h). Only cellctl-archive and the tests link it: the cellctl command runs it
 * through that helper (src/tplremote.h). */
#pragma once
#include <stdbool.h>

#include "template.h"

/* tpl_extract's work, here. */
int tpl_archive_extract(const char *archive, const char *destdir, const struct tpl_extract_opts *o);
/* tpl_pack's work, here. */
int tpl_archive_pack(const char *srcdir, const char *archive, const struct tpl_pack_opts *o);
/* Both, for tpl_set_archiver. */
extern const struct tpl_archiver tpl_archive_local;

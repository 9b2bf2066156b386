/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cellctl command's template archiver: tpl_extract and tpl_pack run by the cellctl-archive
 * helper, so that cellctl itself never loads libarchive (see template.h, tpl_set_archiver). */
#pragma once
#include "template.h"

extern const struct tpl_archiver tpl_archive_helper;

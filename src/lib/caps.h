/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities kept by the container (libcap). */
#pragma once
#include <stdint.h>

/* The bounding-set drop mask for a config's capability list ("name:on|off,..."), starting from
 * the default drop set (sys_module sys_time sys_rawio mac_admin mac_override audit_*). Pure apart
 * from libcap's name table. -EINVAL on an unknown name. */
int caps_drop_mask(const char *cfg, uint64_t *mask);
/* Drop mask from the bounding set (and inheritable/ambient) of the calling process. */
int caps_apply_bound(uint64_t mask);

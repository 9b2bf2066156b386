/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"

#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "util.h"

int caps_drop_mask(const char *cfg, uint64_t *mask)
{
	static const cap_value_t defaults[] = {CAP_SYS_MODULE,   CAP_SYS_TIME,      CAP_SYS_RAWIO,
					       CAP_MAC_ADMIN,    CAP_MAC_OVERRIDE,  CAP_AUDIT_CONTROL,
					       CAP_AUDIT_READ,   CAP_AUDIT_WRITE};
	uint64_t m = 0;
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		m |= 1ULL << defaults[i];
	if (cfg && *cfg) {
		_cleanup_free_ char *copy = xstrdup(cfg);
		char *save = NULL;
		for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
			char *colon = strrchr(tok, ':');
			if (!colon)
				return -EINVAL;
			*colon = 0;
			bool on;
			if (parse_bool(colon + 1, &on) < 0)
				return -EINVAL;
			cap_value_t v;
			_cleanup_free_ char *name = NULL;
			name = strncasecmp(tok, "cap_", 4) == 0 ? xstrdup(tok) : xasprintf("cap_%s", tok);
			if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
				return -EINVAL;
			if (on)
				m &= ~(1ULL << v);
			else
				m |= 1ULL << v;
		}
	}
	*mask = m;
	return 0;
}

int caps_apply_bound(uint64_t mask)
{
	int last = (int)cap_max_bits() - 1;
	for (int c = 0; c <= last && c < 64; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	cap_t cur = cap_get_proc();
	if (!cur)
		return -errno;
	int r = 0;
	for (int c = 0; c <= last && c < 64; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		cap_value_t v = c;
		cap_set_flag(cur, CAP_INHERITABLE, 1, &v, CAP_CLEAR);
		cap_set_flag(cur, CAP_PERMITTED, 1, &v, CAP_CLEAR);
		cap_set_flag(cur, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
	}
	if (cap_set_proc(cur) < 0)
		r = -errno;
	cap_free(cur);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Beancounters: collection through the cgroup backend, and the table / JSON rendering. */
#include "ubc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "state.h"
#include "util.h"

int ubc_collect(const struct gconf *g, unsigned ctid, struct ubc_ct *out)
{
	struct ct_state st;
	memset(out, 0, sizeof(*out));
	out->ctid = ctid;
	if (!ct_running(g, ctid, &st)) {
		cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
		return -ESRCH;
	}
	const struct cg_ops *ops = cg_backend(st.cg.mode);
	int r = ops && ops->stats ? ops->stats(&st.cg, out->st) : -ENOENT;
	if (r == -ENOENT) {
		cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
		return -ESRCH;
	}
	if (r < 0)
		return cerr(EX_SYSTEM, r, "read the beancounters of container %u", ctid);
	return 0;
}

uint64_t ubc_col_value(const struct cg_stat *s, enum ubc_col c)
{
	switch (c) {
	case UBC_HELD: return s->held;
	case UBC_MAXHELD: return s->maxheld;
	case UBC_BARRIER: return s->barrier;
	case UBC_LIMIT: return s->limit;
	case UBC_FAILCNT: return s->failcnt;
	case UBC_NCOL: break;
	}
	return CG_STAT_NONE;
}

void ubc_value_str(uint64_t v, char *buf, size_t len)
{
	if (v == CG_STAT_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

bool ubc_field_parse(const char *name, enum cg_res *res, enum ubc_col *col)
{
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	enum ubc_col c = UBC_HELD;
	if (dot) {
		static const char suf[] = "mblf";
		if (strlen(dot) != 2 || !strchr(suf, dot[1]))
			return false;
		c = (enum ubc_col)(UBC_MAXHELD + (strchr(suf, dot[1]) - suf));
	}
	for (unsigned i = 0; i < CG_RES_N; i++) {
		const char *rn = cg_res_name((enum cg_res)i);
		if (strlen(rn) == n && strncmp(rn, name, n) == 0) {
			*res = (enum cg_res)i;
			*col = c;
			return true;
		}
	}
	return false;
}

char *ubc_format_table(const struct ubc_ct *cts, size_t n)
{
	struct strbuf b = {0};
	sb_printf(&b, "Version: 2.5\n");
	sb_printf(&b, "%10s  %-12s %20s %20s %20s %20s %20s\n", "uid", "resource", "held", "maxheld", "barrier", "limit",
		  "failcnt");
	for (size_t i = 0; i < n; i++) {
		for (unsigned r = 0; r < CG_RES_N; r++) {
			char uid[16] = "";
			if (r == 0)
				snprintf(uid, sizeof(uid), "%u:", cts[i].ctid);
			sb_printf(&b, "%10s  %-12s", uid, cg_res_name((enum cg_res)r));
			for (unsigned c = 0; c < UBC_NCOL; c++) {
				char v[24];
				ubc_value_str(ubc_col_value(&cts[i].st[r], (enum ubc_col)c), v, sizeof(v));
				sb_printf(&b, " %20s", v);
			}
			sb_printf(&b, "\n");
		}
	}
	return sb_done(&b);
}

char *ubc_format_json(const struct ubc_ct *cts, size_t n)
{
	static const char *const cols[UBC_NCOL] = {"held", "maxheld", "barrier", "limit", "failcnt"};
	struct json j;
	json_init(&j);
	json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		json_nl(&j, 2);
		json_obj(&j);
		json_key(&j, "ctid");
		json_u64(&j, cts[i].ctid);
		json_key(&j, "resources");
		json_obj(&j);
		for (unsigned r = 0; r < CG_RES_N; r++) {
			json_nl(&j, 4);
			json_key(&j, cg_res_name((enum cg_res)r));
			json_obj(&j);
			for (unsigned c = 0; c < UBC_NCOL; c++) {
				uint64_t v = ubc_col_value(&cts[i].st[r], (enum ubc_col)c);
				json_key(&j, cols[c]);
				if (v == CG_STAT_NONE)
					json_null(&j);
				else
					json_u64(&j, v);
			}
			json_end(&j);
		}
		json_end_nl(&j, 2);
		json_end(&j);
	}
	json_end_nl(&j, 0);
	return json_done(&j);
}

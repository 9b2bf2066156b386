/* list: vzlist-style table or JSON */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "error.h"
#include "json.h"
#include "state.h"
#include "ubc.h"
#include "util.h"

struct row {
	unsigned ctid;
	struct ct_config *c;
	bool running;
	struct ct_state st;
	int nproc;
	bool have_ub; /* ub holds the beancounters (running, and some column wants them) */
	struct cg_stat ub[CG_RES_N];
};

/* A field: its header, printf width (negative = left), whether JSON prints it as a number. */
struct field {
	const char *name, *header;
	int width;
	bool number;
};
static const struct field fields[] = {
	{"ctid", "CTID", 10, true},       {"numproc", "NPROC", 10, true},      {"status", "STATUS", -9, false},
	{"ip", "IP_ADDR", -15, false},    {"hostname", "HOSTNAME", -32, false}, {"name", "NAME", -16, false},
	{"ostemplate", "OSTEMPLATE", -16, false}, {"private", "PRIVATE", -32, false}, {"uuid", "UUID", -36, false},
	{"userns", "USERNS", -6, false},  {"uid_base", "UID_BASE", 10, true},   {"onboot", "ONBOOT", -6, false},
	{"bootorder", "BOOTORDER", 9, true}, {"description", "DESCRIPTION", -32, false},
};

/* The field called name; a beancounter or parameter column is made up in tmp, its header in hdr
 * (one per column: the headers of all columns are printed together). */
static const struct field *find_field(const char *name, struct field *tmp, char hdr[32])
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	enum cg_res res;
	enum ubc_col col;
	if (ubc_field_parse(name, &res, &col)) {
		/* beancounters: physpages, physpages.m .b .l .f, ... (plain numproc is NPROC above) */
		snprintf(hdr, 32, "%s", name);
		for (char *s = hdr; *s; s++)
			*s = (char)toupper((unsigned char)*s);
		*tmp = (struct field){name, hdr, 20, true};
		return tmp;
	}
	const struct param *p = param_find(name);
	if (p && (p->flags & PF_LIST)) {
		snprintf(hdr, 32, "%s", name);
		for (char *s = hdr; *s; s++)
			*s = (char)toupper((unsigned char)*s);
		*tmp = (struct field){p->name, hdr, -10, false};
		return tmp;
	}
	return NULL;
}

static bool is_ubc_field(const char *name)
{
	enum cg_res res;
	enum ubc_col col;
	return strcmp(name, "numproc") != 0 && ubc_field_parse(name, &res, &col);
}

/* Value of a field as text; "" when missing. */
static void field_value(const struct row *r, const struct field *f, const struct gconf *g, char *buf, unsigned len)
{
	const struct ct_config *c = r->c;
	buf[0] = 0;
	const char *n = f->name;
	if (strcmp(n, "ctid") == 0)
		snprintf(buf, len, "%u", r->ctid);
	else if (strcmp(n, "numproc") == 0) {
		if (r->running)
			snprintf(buf, len, "%d", r->nproc);
	} else if (strcmp(n, "status") == 0)
		snprintf(buf, len, "%s", r->running ? "running" : "stopped");
	else if (strcmp(n, "private") == 0)
		snprintf(buf, len, "%s/%u", g->private_dir, r->ctid);
	else if (is_ubc_field(n)) {
		enum cg_res res;
		enum ubc_col col;
		ubc_field_parse(n, &res, &col);
		uint64_t v = r->have_ub ? ubc_col_value(&r->ub[res], col) : CG_STAT_NONE;
		if (v != CG_STAT_NONE)
			ubc_value_str(v, buf, len);
	} else if (!c)
		return;
	else if (strcmp(n, "ip") == 0) {
		size_t used = 0;
		for (unsigned i = 0; i < c->nnetif; i++)
			for (unsigned k = 0; k < c->netif[i].nips; k++) {
				char a[64];
				snprintf(a, sizeof(a), "%s", c->netif[i].ips[k]);
				a[strcspn(a, "/")] = 0;
				int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", a);
				if (w > 0 && used + (size_t)w < len)
					used += (size_t)w;
			}
	} else if (strcmp(n, "hostname") == 0)
		snprintf(buf, len, "%s", c->hostname ? c->hostname : "");
	else if (strcmp(n, "name") == 0)
		snprintf(buf, len, "%s", c->name ? c->name : "");
	else if (strcmp(n, "ostemplate") == 0)
		snprintf(buf, len, "%s", c->ostemplate ? c->ostemplate : "");
	else if (strcmp(n, "uuid") == 0)
		snprintf(buf, len, "%s", c->uuid ? c->uuid : "");
	else if (strcmp(n, "description") == 0)
		snprintf(buf, len, "%s", c->description ? c->description : "");
	else if (strcmp(n, "userns") == 0)
		snprintf(buf, len, "%s", c->userns ? "yes" : "no");
	else if (strcmp(n, "uid_base") == 0) {
		if (c->userns)
			snprintf(buf, len, "%u", c->uid_base);
	} else if (strcmp(n, "onboot") == 0)
		snprintf(buf, len, "%s", c->onboot ? "yes" : "no");
	else if (strcmp(n, "bootorder") == 0)
		snprintf(buf, len, "%d", c->bootorder);
	else {
		const struct param *p = param_find(n);
		if (p && p->print)
			p->print(c, buf, len);
	}
}

static const struct gconf *sort_g;
static const struct field *sort_f;
static bool sort_rev;
static int cmp_rows(const void *a, const void *b)
{
	char x[512], y[512];
	field_value(a, sort_f, sort_g, x, sizeof(x));
	field_value(b, sort_f, sort_g, y, sizeof(y));
	uint64_t nx, ny;
	int r;
	if (parse_u64(x, &nx) == 0 && parse_u64(y, &ny) == 0)
		r = nx < ny ? -1 : nx > ny;
	else
		r = strcmp(x, y);
	if (r == 0)
		r = ((const struct row *)a)->ctid < ((const struct row *)b)->ctid ? -1 : 1;
	return sort_rev ? -r : r;
}

static const struct cli_opt list_opts[] = {
	{'a', "all", 'a', NULL, "stopped containers too", false},
	{'S', "stopped", 'S', NULL, "only stopped containers", false},
	{'H', "no-header", 'H', NULL, "no header line", false},
	{'o', "output", 'o', "FIELD,...", "these columns (ctid, hostname, ip, ..., parameters, beancounters)", false},
	{'s', "sort", 's', "[-]FIELD", "sort by this column (-: descending)", false},
	{'j', "json", 'j', NULL, "a JSON array of objects", false},
	{'1', NULL, '1', NULL, "CTIDs only", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_list = {"list", cmd_list, NULL, list_opts, 0, "A vzlist-style table of the containers, or JSON."};

int cmd_list(struct gconf *g, int argc, char **argv)
{
	bool all = false, stopped_only = false, header = true, json = false;
	const char *ofields = NULL, *sortf = NULL;
	struct cli_parse p;
	cli_parse_init(&p, &cli_list, argc, argv, 1);
	const char *ov;
	int r;
	while ((r = cli_next(&p, &ov)) != CLI_END) {
		switch (r) {
		case 'a':
			all = true;
			break;
		case 'S':
			stopped_only = true;
			break;
		case 'H':
			header = false;
			break;
		case 'j':
			json = true;
			break;
		case '1':
			header = false;
			ofields = "ctid";
			break;
		case 'o':
			ofields = ov;
			break;
		case 's':
			sortf = ov;
			break;
		case CLI_ARG:
			return cli_usage("list: unknown option '%s'", ov);
		default:
			return r;
		}
	}
	/* the columns */
	struct field tmp[32];
	char hdrs[32][32];
	const struct field *cols[32];
	unsigned ncols = 0;
	bool want_ub = false;
	_cleanup_free_ char *spec = xstrdup(ofields ? ofields
						    : json ? "ctid,hostname,name,status,ip,numproc,ostemplate,uuid,userns,onboot,private"
							   : "ctid,numproc,status,ip,hostname");
	char *save = NULL;
	for (char *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (ncols >= ARRAY_SIZE(cols))
			return cerr(EX_BADSYNTAX, 0, "list: too many fields");
		const struct field *f = find_field(t, &tmp[ncols], hdrs[ncols]);
		if (!f)
			return cerr(EX_BADSYNTAX, 0, "list: unknown field '%s'", t);
		cols[ncols++] = f;
		want_ub |= is_ubc_field(f->name);
	}
	struct field stmp;
	char shdr[32];
	if (sortf) {
		sort_rev = sortf[0] == '-';
		sort_f = find_field(sortf + (sort_rev ? 1 : 0), &stmp, shdr);
		if (!sort_f)
			return cerr(EX_BADSYNTAX, 0, "list: unknown sort field '%s'", sortf);
		want_ub |= is_ubc_field(sort_f->name);
	}

	_cleanup_free_ unsigned *ids = NULL;
	unsigned n = 0;
	r = ctconf_list(g, &ids, &n);
	if (r < 0)
		return r;
	struct row *rows = xcalloc(n + 1, sizeof(*rows));
	unsigned nr = 0;
	for (unsigned i = 0; i < n; i++) {
		struct row *w = &rows[nr];
		w->ctid = ids[i];
		w->running = ct_running(g, ids[i], &w->st);
		if ((!all && !stopped_only && !w->running) || (stopped_only && w->running))
			continue;
		struct cerr_saved es;
		cerr_save(&es);
		if (ctconf_load(g, ids[i], &w->c) < 0)
			w->c = NULL; /* a broken config still lists, with "-" */
		cerr_restore(&es);
		if (w->running) {
			const struct cg_ops *ops = cg_backend(w->st.cg.mode);
			int k = ops->nproc(&w->st.cg);
			w->nproc = k < 0 ? 0 : k;
			if (want_ub && ops->stats)
				w->have_ub = ops->stats(&w->st.cg, w->ub) == 0;
		}
		nr++;
	}
	if (sort_f) {
		sort_g = g;
		qsort(rows, nr, sizeof(*rows), cmp_rows);
	}
	char val[1024];
	if (json) {
		struct json j;
		json_init(&j);
		json_arr(&j);
		for (unsigned i = 0; i < nr; i++) {
			json_nl(&j, 2);
			json_obj(&j);
			for (unsigned k = 0; k < ncols; k++) {
				field_value(&rows[i], cols[k], g, val, sizeof(val));
				json_key(&j, cols[k]->name);
				uint64_t num;
				if (!val[0])
					json_null(&j);
				else if (cols[k]->number && parse_u64(val, &num) == 0)
					json_numf(&j, "%s", val);
				else
					json_str(&j, val);
			}
			json_end(&j);
		}
		json_end_nl(&j, 0);
		_cleanup_free_ char *text = json_done(&j);
		fputs(text, stdout);
	} else if (nr) {
		if (header) {
			for (unsigned k = 0; k < ncols; k++)
				printf(k + 1 < ncols ? "%*s " : "%*s", k + 1 < ncols ? cols[k]->width : 0, cols[k]->header);
			printf("\n");
		}
		for (unsigned i = 0; i < nr; i++) {
			for (unsigned k = 0; k < ncols; k++) {
				field_value(&rows[i], cols[k], g, val, sizeof(val));
				/* names, hostnames, descriptions: no control character reaches the terminal */
				char esc[sizeof(val) * 2];
				const char *v = val[0] ? str_escape_buf(val, esc, sizeof(esc)) : "-";
				printf(k + 1 < ncols ? "%*s " : "%*s", k + 1 < ncols ? cols[k]->width : 0, v);
			}
			printf("\n");
		}
	}
	for (unsigned i = 0; i < nr; i++)
		if (rows[i].c)
			ctconf_free(rows[i].c);
	free(rows);
	if (nr == 0) {
		if (!json)
			fprintf(stderr, "Container(s) not found\n");
		return EX_FAIL;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* list: vzlist-style table or JSON */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "ctfreeze.h"
#include "error.h"
#include "ifstats.h"
#include "json.h"
#include "lxcfs.h"
#include "phase.h"
#include "state.h"
#include "ubc.h"
#include "util.h"

/* What a row's columns are made from, while it is made (add_row): its config, state and counters. */
struct row {
	unsigned ctid;
	struct ct_config *c;
	bool running;
	bool suspended; /* running, and its cgroup frozen (suspend) */
	struct ct_state st;
	int nproc;
	bool have_la; /* la holds the CPU pressure (running, laverage wanted, PSI on) */
	double la[3];
	bool have_ub; /* ub holds the beancounters (running, and some column wants them) */
	struct cg_stat ub[CG_RES_N];
	/* the counters of each of c's interfaces (running, and some column wants them), read once
	 * per row: not per column, nor per comparison of a sort */
	bool have_ifs[MAX_NETIF];
	uint64_t ifs[MAX_NETIF][IFS_N];
};

/* A row as kept until it is printed: its columns' values as text, made as soon as its config was
 * read, so that the config is freed at once (1,000 kept configs were 10 MiB of fresh memory) and a
 * sort compares texts made once, not once per comparison. */
struct line {
	unsigned ctid;
	bool have_la; /* laverage's numbers, for -j's array */
	double la[3];
	char **val; /* the ncols values, then the sort key ("" without -s); one allocation */
};

/* A field: its header, printf width (negative = left), whether JSON prints it as a number. The
 * parameters' columns come from the parameter table (PF_LIST, struct param_col); these are the
 * columns of a container's state. */
struct field {
	const char *name, *header;
	int width;
	bool number;
	const struct param *p; /* a parameter's column */
	char hdr[32];          /* its header when the table gives none */
};
#define MAX_COLS 32
static const struct field fields[] = {
	{"ctid", "CTID", 10, true, NULL, ""},
	{"veid", "CTID", 10, true, NULL, ""}, /* vzlist's older name of ctid */
	{"laverage", "LAVERAGE", -14, false, NULL, ""},
	{"numproc", "NPROC", 10, true, NULL, ""},
	{"status", "STATUS", -9, false, NULL, ""},
	{"private", "PRIVATE", -32, false, NULL, ""},
	{"lxcfs", "LXCFS", -5, false, NULL, ""},
};

/* A field made in tmp, its header hdr in capitals. */
static const struct field *made_field(struct field *tmp, const char *name, const char *hdr, int width, bool number,
				      const struct param *p)
{
	*tmp = (struct field){name, tmp->hdr, width, number, p, ""};
	snprintf(tmp->hdr, sizeof(tmp->hdr), "%s", hdr);
	for (char *s = tmp->hdr; *s; s++)
		*s = (char)toupper((unsigned char)*s);
	return tmp;
}

static const struct field *find_field(const char *name, struct field *tmp)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	enum cg_res res;
	enum ubc_col col;
	if (ubc_field_parse(name, &res, &col)) {
		/* beancounters: physpages, physpages.m .b .l .f, ... (plain numproc is NPROC above) */
		return made_field(tmp, name, name, 20, true, NULL);
	}
	enum ifstat_key key;
	char ifname[16];
	if (ifstat_field_parse(name, &key, ifname))
		/* interface counters: in_bytes, ..., or eth0:in_bytes */
		return made_field(tmp, name, name, 14, true, NULL);
	const struct param *p = param_find(name);
	if (p && (p->flags & PF_LIST))
		return made_field(tmp, p->name, p->col.header ? p->col.header : name, p->col.width ? p->col.width : -10,
				  p->col.number, p);
	return NULL;
}

static bool is_ubc_field(const char *name)
{
	enum cg_res res;
	enum ubc_col col;
	return strcmp(name, "numproc") != 0 && ubc_field_parse(name, &res, &col);
}

static bool is_ifstat_field(const char *name)
{
	enum ifstat_key key;
	char ifname[16];
	return ifstat_field_parse(name, &key, ifname);
}

/* Value of a field as text; "" when missing. */
static void field_value(const struct row *r, const struct field *f, const struct gconf *g, char *buf, unsigned len)
{
	const struct ct_config *c = r->c;
	buf[0] = 0;
	const char *n = f->name;
	enum ifstat_key key;
	char ifname[16];
	if (f->p) {
		if (!c)
			return;
		if (f->p->col.print)
			f->p->col.print(c, buf, len);
		else
			param_print(f->p, c, buf, len);
	} else if (strcmp(n, "ctid") == 0 || strcmp(n, "veid") == 0)
		snprintf(buf, len, "%u", r->ctid);
	else if (strcmp(n, "laverage") == 0) {
		if (r->have_la)
			snprintf(buf, len, "%.2f/%.2f/%.2f", r->la[0], r->la[1], r->la[2]);
	} else if (strcmp(n, "numproc") == 0) {
		if (r->running)
			snprintf(buf, len, "%d", r->nproc);
	} else if (strcmp(n, "status") == 0)
		snprintf(buf, len, "%s", r->running ? (r->suspended ? "suspended" : "running") : "stopped");
	else if (strcmp(n, "private") == 0)
		snprintf(buf, len, "%s/%u", g->private_dir, r->ctid);
	else if (strcmp(n, "lxcfs") == 0)
		snprintf(buf, len, "%s", r->running ? lxcfs_state_name(g, r->st.init_pid) : "-");
	else if (ifstat_field_parse(n, &key, ifname)) {
		/* one interface's, or the sum over those whose counters could be read */
		uint64_t sum = 0;
		bool any = false;
		for (unsigned i = 0; c && i < c->nnetif; i++)
			if (r->have_ifs[i] && (!ifname[0] || strcmp(c->netif[i].ifname, ifname) == 0)) {
				sum += r->ifs[i][key];
				any = true;
			}
		if (any)
			snprintf(buf, len, "%" PRIu64, sum);
	} else if (is_ubc_field(n)) {
		enum cg_res res;
		enum ubc_col col;
		ubc_field_parse(n, &res, &col);
		uint64_t v = r->have_ub ? ubc_col_value(&r->ub[res], col) : CG_STAT_NONE;
		if (v != CG_STAT_NONE)
			ubc_value_str(v, buf, len);
	}
}

/* A value that starts with a decimal number (laverage "0.25/0.10/0.05": its first average). */
static bool lead_num(const char *s, double *v)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	*v = strtod(s, &end);
	return *end == 0 || *end == '/';
}

static const struct field *sort_f;
static unsigned sort_k; /* the sort key's index in line.val */
static bool sort_rev;
static int cmp_lines(const void *a, const void *b)
{
	const char *x = ((const struct line *)a)->val[sort_k], *y = ((const struct line *)b)->val[sort_k];
	uint64_t nx, ny;
	int r;
	double dx, dy;
	if (parse_u64(x, &nx) == 0 && parse_u64(y, &ny) == 0)
		r = nx < ny ? -1 : nx > ny;
	else if (lead_num(x, &dx) && lead_num(y, &dy))
		r = dx < dy ? -1 : dx > dy;
	else
		r = strcmp(x, y);
	if (r == 0)
		r = ((const struct line *)a)->ctid < ((const struct line *)b)->ctid ? -1 : 1;
	return sort_rev ? -r : r;
}

struct list_scan {
	const struct gconf *g;
	bool all, stopped_only, want_ub, want_ifs, want_la;
	/* vzlist's filters: globs on the hostname, name and description (NULL: no filter) */
	const char *f_hostname, *f_name, *f_desc;
	const struct field *const *cols; /* the columns, and the sort field (NULL: none) */
	unsigned ncols;
	/* the CTIDs with a state file (have_run: read; else each one's is looked at) */
	unsigned *run, nrun;
	bool have_run;
	struct row cur; /* the row being made */
	struct line *lines;
	unsigned nr, cap;
};

/* Does the row of ctid show? Its state goes into cur (add_row fills the rest), so only the configs
 * of rows shown are read. */
static bool want_row(unsigned ctid, void *arg)
{
	struct list_scan *s = arg;
	struct row *w = &s->cur;
	memset(w, 0, sizeof(*w));
	w->ctid = ctid;
	w->running = (!s->have_run || ctid_in(s->run, s->nrun, ctid)) && ct_running(s->g, ctid, &w->st);
	return !((!s->all && !s->stopped_only && !w->running) || (s->stopped_only && w->running));
}

/* Does value (NULL: unset, matches nothing) match the glob pat (NULL: no filter)? */
static bool glob_ok(const char *pat, const char *value)
{
	return !pat || (value && fnmatch(pat, value, 0) == 0);
}

/* The row's line: its values as text (the sort key last), in one allocation. */
static void make_line(struct list_scan *s, const struct row *w)
{
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->lines = xrealloc(s->lines, (s->cap + 1) * sizeof(*s->lines));
	}
	struct line *l = &s->lines[s->nr++];
	*l = (struct line){.ctid = w->ctid, .have_la = w->have_la};
	memcpy(l->la, w->la, sizeof(l->la));
	char val[1024];
	char text[(MAX_COLS + 1) * sizeof(val)];
	size_t off[MAX_COLS + 1], used = 0;
	for (unsigned k = 0; k <= s->ncols; k++) {
		const struct field *f = s->cols[k];
		if (f) /* the sort key as the sort always took it: at most 511 bytes */
			field_value(w, f, s->g, val, k < s->ncols ? sizeof(val) : 512);
		else
			val[0] = 0;
		size_t n = strlen(val) + 1;
		memcpy(text + used, val, n);
		off[k] = used;
		used += n;
	}
	size_t ptrs = (s->ncols + 1) * sizeof(char *);
	l->val = xmalloc(ptrs + used);
	char *t = (char *)l->val + ptrs;
	memcpy(t, text, used);
	for (unsigned k = 0; k <= s->ncols; k++)
		l->val[k] = t + off[k];
}

/* The row want_row prepared, with its config (NULL: a broken one still lists, with "-"). */
static int add_row(unsigned ctid, struct ct_config **c, void *arg)
{
	(void)ctid;
	struct list_scan *s = arg;
	struct row *w = &s->cur;
	if (!glob_ok(s->f_hostname, *c ? (*c)->hostname : NULL) || !glob_ok(s->f_name, *c ? (*c)->name : NULL) ||
	    !glob_ok(s->f_desc, *c ? (*c)->description : NULL)) {
		cerr_clear();
		return 0; /* filtered out: ctconf_foreach_wanted frees *c */
	}
	w->c = *c; /* read until the line is made; ctconf_foreach_wanted frees it after */
	cerr_clear();
	if (w->running) {
		const struct cg_ops *ops = cg_backend(w->st.cg.mode);
		int k = ops->nproc(&w->st.cg);
		w->nproc = k < 0 ? 0 : k;
		w->suspended = ct_suspended(&w->st);
		if (s->want_la)
			w->have_la = cg_cpu_pressure(&w->st.cg, w->la) == 0;
		if (s->want_ub && ops->stats)
			w->have_ub = ops->stats(&w->st.cg, w->ub) == 0;
		for (unsigned i = 0; s->want_ifs && w->c && i < w->c->nnetif; i++)
			w->have_ifs[i] = ifstat_read(s->g, w->c, w->c->netif[i].ifname, w->ifs[i]) == 0;
	}
	make_line(s, w);
	w->c = NULL;
	return 0;
}

static void free_lines(struct line *lines, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(lines[i].val);
	free(lines);
}

static const struct cli_opt list_opts[] = {
	{'a', "all", 'a', NULL, "stopped containers too", false},
	{'S', "stopped", 'S', NULL, "only stopped containers", false},
	{'H', "no-header", 'H', NULL, "no header line", false},
	{'n', "name", 'n', NULL, "the name column instead of the hostname (default columns)", false},
	{'h', "hostname", 0, "GLOB", "only containers whose hostname matches", false},
	{'N', "name_filter", 'N', "GLOB", "only containers whose name matches", false},
	{'d', "description", 'd', "GLOB", "only containers whose description matches", false},
	{'o', "output", 'o', "FIELD,...", "these columns (ctid, hostname, ip, ..., parameters, beancounters)", false},
	{'s', "sort", 's', "[-]FIELD", "sort by this column (-: descending)", false},
	{'j', "json", 'j', NULL, "a JSON array of objects", false},
	{'1', NULL, '1', NULL, "CTIDs only", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_list = {"list", cmd_list, NULL, list_opts, 0, "A vzlist-style table of the containers, or JSON."};

int cmd_list(struct gconf *g, int argc, char **argv)
{
	bool all = false, stopped_only = false, header = true, json = false, names = false;
	const char *ofields = NULL, *sortf = NULL, *f_hostname = NULL, *f_name = NULL, *f_desc = NULL;
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
		case 'n':
			names = true;
			break;
		case 'h':
			f_hostname = ov;
			break;
		case 'N':
			f_name = ov;
			break;
		case 'd':
			f_desc = ov;
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
	struct field tmp[MAX_COLS];
	const struct field *cols[MAX_COLS + 1]; /* and the sort field */
	unsigned ncols = 0;
	bool want_ub = false, want_ifs = false, want_la = false;
	_cleanup_free_ char *spec = xstrdup(ofields ? ofields
						    : json ? "ctid,hostname,name,status,ip,numproc,ostemplate,uuid,userns,onboot,private"
							   : names ? "ctid,numproc,status,ip,name"
								   : "ctid,numproc,status,ip,hostname");
	char *save = NULL;
	for (char *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (ncols >= MAX_COLS)
			return cerr(EX_BADSYNTAX, 0, "list: too many fields");
		const struct field *f = find_field(t, &tmp[ncols]);
		if (!f)
			return cerr(EX_BADSYNTAX, 0, "list: unknown field '%s'", t);
		cols[ncols++] = f;
		want_ub |= is_ubc_field(f->name);
		want_ifs |= is_ifstat_field(f->name);
		want_la |= strcmp(f->name, "laverage") == 0;
	}
	struct field stmp;
	if (sortf) {
		sort_rev = sortf[0] == '-';
		sort_f = find_field(sortf + (sort_rev ? 1 : 0), &stmp);
		if (!sort_f)
			return cerr(EX_BADSYNTAX, 0, "list: unknown sort field '%s'", sortf);
		want_ub |= is_ubc_field(sort_f->name);
		want_ifs |= is_ifstat_field(sort_f->name);
		want_la |= strcmp(sort_f->name, "laverage") == 0;
	}

	cols[ncols] = sort_f;
	sort_k = ncols;

	struct list_scan s = {.g = g, .all = all, .stopped_only = stopped_only, .want_ub = want_ub,
			      .want_ifs = want_ifs, .want_la = want_la, .f_hostname = f_hostname, .f_name = f_name,
			      .f_desc = f_desc, .cols = cols, .ncols = ncols};
	s.have_run = state_ids(g, &s.run, &s.nrun) == 0;
	phase_mark("list.states");
	r = ctconf_foreach_wanted(g, CTCONF_EACH_BROKEN, want_row, add_row, &s);
	free(s.run);
	phase_mark("list.rows");
	if (r < 0) {
		free_lines(s.lines, s.nr);
		return r;
	}
	struct line *rows = s.lines ? s.lines : xcalloc(1, sizeof(*rows));
	unsigned nr = s.nr;
	if (sort_f)
		qsort(rows, nr, sizeof(*rows), cmp_lines);
	phase_mark("list.sorted");
	if (json) {
		struct json j;
		json_init(&j);
		json_arr(&j);
		for (unsigned i = 0; i < nr; i++) {
			json_nl(&j, 2);
			json_obj(&j);
			for (unsigned k = 0; k < ncols; k++) {
				const char *val = rows[i].val[k];
				json_key(&j, cols[k]->name);
				uint64_t num;
				if (!val[0])
					json_null(&j);
				else if (strcmp(cols[k]->name, "laverage") == 0) {
					/* vzlist: an array of the three averages */
					json_arr(&j);
					for (unsigned a = 0; a < 3; a++)
						json_numf(&j, "%.2f", rows[i].la[a]);
					json_end(&j);
				} else if (cols[k]->number && parse_u64(val, &num) == 0)
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
				const char *val = rows[i].val[k];
				/* names, hostnames, descriptions: no control character reaches the terminal */
				char esc[2048];
				const char *v = val[0] ? str_escape_buf(val, esc, sizeof(esc)) : "-";
				printf(k + 1 < ncols ? "%*s " : "%*s", k + 1 < ncols ? cols[k]->width : 0, v);
			}
			printf("\n");
		}
	}
	free_lines(rows, nr);
	if (nr == 0) {
		if (!json)
			fprintf(stderr, "Container(s) not found\n");
		return EX_FAIL;
	}
	return 0;
}

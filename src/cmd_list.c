/* list: vzlist-style table or JSON */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "error.h"
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
static const struct field fields[] = {
	{"ctid", "CTID", 10, true, NULL, ""},
	{"numproc", "NPROC", 10, true, NULL, ""},
	{"status", "STATUS", -9, false, NULL, ""},
	{"private", "PRIVATE", -32, false, NULL, ""},
};

static const struct field *find_field(const char *name, struct field *tmp)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	enum cg_res res;
	enum ubc_col col;
	if (ubc_field_parse(name, &res, &col)) {
		/* beancounters: physpages, physpages.m .b .l .f, ... (plain numproc is NPROC above) */
		*tmp = (struct field){name, tmp->hdr, 20, true, NULL, ""};
		snprintf(tmp->hdr, sizeof(tmp->hdr), "%s", name);
		for (char *s = tmp->hdr; *s; s++)
			*s = (char)toupper((unsigned char)*s);
		return tmp;
	}
	const struct param *p = param_find(name);
	if (p && (p->flags & PF_LIST)) {
		*tmp = (struct field){p->name, tmp->hdr, p->col.width ? p->col.width : -10, p->col.number, p, ""};
		snprintf(tmp->hdr, sizeof(tmp->hdr), "%s", p->col.header ? p->col.header : name);
		for (char *s = tmp->hdr; *s; s++)
			*s = (char)toupper((unsigned char)*s);
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
	if (f->p) {
		if (!c)
			return;
		if (f->p->col.print)
			f->p->col.print(c, buf, len);
		else
			param_print(f->p, c, buf, len);
	} else if (strcmp(n, "ctid") == 0)
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
	}
}

/* A well-formed UTF-8 sequence at p: its length and code point; false when it is not one. */
static bool utf8_decode(const unsigned char *p, size_t *len, unsigned *cp)
{
	unsigned c = p[0], min;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return false;
	unsigned v = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return false;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return false;
	*len = n;
	*cp = v;
	return true;
}

/* A JSON string that is valid UTF-8 and shows no control character raw: controls, DEL and the C1
 * controls as \u00XX, a byte that is not UTF-8 as U+FFFD. */
static void json_str(const char *s)
{
	putchar('"');
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, cp;
		size_t n;
		if (c == '"' || c == '\\') {
			printf("\\%c", c);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			putchar((int)c);
			p++;
		} else if (utf8_decode(p, &n, &cp)) {
			if (cp < 0xa0)
				printf("\\u%04x", cp);
			else
				fwrite(p, 1, n, stdout);
			p += n;
		} else {
			printf("\\ufffd");
			p++;
		}
	}
	putchar('"');
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

struct list_scan {
	const struct gconf *g;
	bool all, stopped_only, want_ub;
	struct row *rows;
	unsigned nr, cap;
};

/* A row for each container the options select; a broken config still lists, with "-" (c NULL). */
static int add_row(unsigned ctid, struct ct_config **c, void *arg)
{
	struct list_scan *s = arg;
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->rows = xrealloc(s->rows, (s->cap + 1) * sizeof(*s->rows));
	}
	struct row *w = &s->rows[s->nr];
	memset(w, 0, sizeof(*w));
	w->ctid = ctid;
	w->running = ct_running(s->g, ctid, &w->st);
	if ((!s->all && !s->stopped_only && !w->running) || (s->stopped_only && w->running))
		return 0;
	w->c = *c;
	*c = NULL; /* the row keeps it */
	cerr_clear();
	if (w->running) {
		const struct cg_ops *ops = cg_backend(w->st.cg.mode);
		int k = ops->nproc(&w->st.cg);
		w->nproc = k < 0 ? 0 : k;
		if (s->want_ub && ops->stats)
			w->have_ub = ops->stats(&w->st.cg, w->ub) == 0;
	}
	s->nr++;
	return 0;
}

static void free_rows(struct row *rows, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (rows[i].c)
			ctconf_free(rows[i].c);
	free(rows);
}

int cmd_list(struct gconf *g, int argc, char **argv)
{
	bool all = false, stopped_only = false, header = true, json = false;
	const char *ofields = NULL, *sortf = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0)
			all = true;
		else if (strcmp(a, "-S") == 0 || strcmp(a, "--stopped") == 0)
			stopped_only = true;
		else if (strcmp(a, "-H") == 0 || strcmp(a, "--no-header") == 0)
			header = false;
		else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0)
			json = true;
		else if (strcmp(a, "-1") == 0) {
			header = false;
			ofields = "ctid";
		} else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc)
			ofields = argv[++i];
		else if ((strcmp(a, "-s") == 0 || strcmp(a, "--sort") == 0) && i + 1 < argc)
			sortf = argv[++i];
		else
			return cli_usage("list: unknown option '%s'", a);
	}
	/* the columns */
	struct field tmp[32];
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
		const struct field *f = find_field(t, &tmp[ncols]);
		if (!f)
			return cerr(EX_BADSYNTAX, 0, "list: unknown field '%s'", t);
		cols[ncols++] = f;
		want_ub |= is_ubc_field(f->name);
	}
	struct field stmp;
	if (sortf) {
		sort_rev = sortf[0] == '-';
		sort_f = find_field(sortf + (sort_rev ? 1 : 0), &stmp);
		if (!sort_f)
			return cerr(EX_BADSYNTAX, 0, "list: unknown sort field '%s'", sortf);
		want_ub |= is_ubc_field(sort_f->name);
	}

	struct list_scan s = {.g = g, .all = all, .stopped_only = stopped_only, .want_ub = want_ub};
	int r = ctconf_foreach(g, CTCONF_EACH_BROKEN, add_row, &s);
	if (r < 0) {
		free_rows(s.rows, s.nr);
		return r;
	}
	struct row *rows = s.rows ? s.rows : xcalloc(1, sizeof(*rows));
	unsigned nr = s.nr;
	if (sort_f) {
		sort_g = g;
		qsort(rows, nr, sizeof(*rows), cmp_rows);
	}
	char val[1024];
	if (json) {
		printf("[");
		for (unsigned i = 0; i < nr; i++) {
			printf("%s\n  {", i ? "," : "");
			for (unsigned k = 0; k < ncols; k++) {
				field_value(&rows[i], cols[k], g, val, sizeof(val));
				printf("%s\"%s\": ", k ? ", " : "", cols[k]->name);
				uint64_t num;
				if (!val[0])
					printf("null");
				else if (cols[k]->number && parse_u64(val, &num) == 0)
					printf("%s", val);
				else
					json_str(val);
			}
			printf("}");
		}
		printf("%s]\n", nr ? "\n" : "");
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
	free_rows(rows, nr);
	if (nr == 0) {
		if (!json)
			fprintf(stderr, "Container(s) not found\n");
		return EX_FAIL;
	}
	return 0;
}

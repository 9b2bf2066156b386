/* create, start, stop, restart, status, destroy */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctops.h"
#include "error.h"
#include "log.h"
#include "util.h"

int cmd_create(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl create CTID [--ostemplate T] [--config SAMPLE] ...");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	struct create_opts o = {.userns = -1};
	struct param_kv *kv = xcalloc((size_t)argc, sizeof(*kv));
	size_t n = 0;
	for (int i = 2; i < argc; i++) {
		const struct param *p;
		const char *v;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			o.sample = argv[++i];
			continue;
		}
		if (str_startswith(argv[i], "--config=")) {
			o.sample = argv[i] + 9;
			continue;
		}
		r = cli_param(argc, argv, &i, PF_CREATE, &p, &v);
		if (r < 0)
			goto out;
		if (r == 0) {
			r = cli_usage("create: unknown option '%s'", argv[i]);
			goto out;
		}
		if (strcmp(p->name, "ostemplate") == 0)
			o.ostemplate = v;
		else if (strcmp(p->name, "userns") == 0) {
			bool b;
			if (parse_bool(v, &b) < 0) {
				r = cerr(EX_BADVALUE, 0, "invalid --userns value '%s' (yes or no)", v);
				goto out;
			}
			o.userns = b;
		} else
			kv[n++] = (struct param_kv){p, v};
	}
	o.params = kv;
	o.nparams = n;
	r = ct_create(g, ctid, &o);
	if (r == 0)
		printf("Container %u created\n", ctid);
out:
	free(kv);
	return r;
}

static int one_ctid(int argc, char **argv, unsigned *ctid, const char *usage)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl %s", usage);
	return cli_ctid(argv[1], ctid);
}

int cmd_start(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(argc, argv, &ctid, "start CTID [--wait]");
	if (r < 0)
		return r;
	bool force = false;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = true;
		else
			return cli_usage("start: unknown option '%s'", argv[i]);
	}
	if ((r = ct_start(g, ctid, force)) < 0)
		return r;
	printf("Container %u started\n", ctid);
	return 0;
}

static int stop_opts(int argc, char **argv, bool *fast, int *timeout)
{
	*fast = false;
	*timeout = -1;
	for (int i = 2; i < argc; i++) {
		unsigned t;
		if (strcmp(argv[i], "--fast") == 0)
			*fast = true;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (parse_uint(argv[++i], 0, 86400, &t) < 0)
				return cerr(EX_BADVALUE, 0, "invalid --timeout '%s' (seconds)", argv[i]);
			*timeout = (int)t;
		} else
			return cli_usage("%s: unknown option '%s'", argv[0], argv[i]);
	}
	return 0;
}

int cmd_stop(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	bool fast;
	int timeout, r = one_ctid(argc, argv, &ctid, "stop CTID [--fast] [--timeout S]");
	if (r < 0 || (r = stop_opts(argc, argv, &fast, &timeout)) < 0)
		return r;
	if ((r = ct_stop(g, ctid, fast, timeout)) < 0)
		return r;
	printf("Container %u stopped\n", ctid);
	return 0;
}

int cmd_restart(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	bool fast;
	int timeout, r = one_ctid(argc, argv, &ctid, "restart CTID [--fast] [--timeout S]");
	if (r < 0 || (r = stop_opts(argc, argv, &fast, &timeout)) < 0)
		return r;
	r = ct_stop(g, ctid, fast, timeout);
	if (r < 0 && cerr_exit() != EX_NOTRUNNING)
		return r;
	cerr_clear();
	if ((r = ct_start(g, ctid, false)) < 0)
		return r;
	printf("Container %u restarted\n", ctid);
	return 0;
}

int cmd_status(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(argc, argv, &ctid, "status CTID");
	if (r < 0)
		return r;
	static const char *words[] = {"deleted", "exist down", "exist running"};
	printf("CTID %u %s\n", ctid, words[ct_status(g, ctid)]);
	return 0;
}

int cmd_destroy(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(argc, argv, &ctid, "destroy CTID");
	if (r < 0)
		return r;
	if (argc > 2)
		return cli_usage("destroy: unknown option '%s'", argv[2]);
	if ((r = ct_destroy(g, ctid)) < 0)
		return r;
	printf("Container %u destroyed\n", ctid);
	return 0;
}

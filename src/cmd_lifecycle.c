/* create, start, stop, restart, status, destroy */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctops.h"
#include "error.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

struct create_args {
	int argc;
	char **argv;
};

static int create_apply(struct ct_config *c, void *arg)
{
	struct create_args *a = arg;
	return cli_apply_options(c, a->argc, a->argv, 1, PF_CREATE, NULL);
}

int cmd_create(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl create CTID [--ostemplate T] [--config SAMPLE] ...");
	unsigned ctid;
	int r = cli_ctid(argv[1], &ctid);
	if (r < 0)
		return r;
	struct create_opts o = {.userns = -1};
	/* the options create handles itself; the rest go through the parameter table */
	char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0;
	rest[nrest++] = argv[0];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (str_startswith(a, "--config=") || str_startswith(a, "--ostemplate=") || str_startswith(a, "--userns=")) {
			v = strchr(a, '=') + 1;
		} else if ((!strcmp(a, "--config") || !strcmp(a, "--ostemplate") || !strcmp(a, "--userns")) && v) {
			i++;
		} else {
			rest[nrest++] = argv[i];
			continue;
		}
		if (str_startswith(a, "--config"))
			o.sample = v;
		else if (str_startswith(a, "--ostemplate"))
			o.ostemplate = v;
		else {
			bool b;
			if (parse_bool(v, &b) < 0) {
				free(rest);
				return cerr(EX_BADVALUE, 0, "invalid --userns value '%s' (yes or no)", v);
			}
			o.userns = b;
		}
	}
	struct create_args ca = {nrest, rest};
	o.apply = create_apply;
	o.arg = &ca;
	r = ct_create(g, ctid, &o);
	if (r == 0)
		printf("Container %u created\n", ctid);
	free(rest);
	return r;
}

static int one_ctid(int argc, char **argv, unsigned *ctid, const char *usage)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl %s", usage);
	return cli_ctid(argv[1], ctid);
}

/* --timeout SECONDS at argv[*i] (min..86400): 1 when it was that option, 0 when not, <0 bad */
static int opt_timeout(int argc, char **argv, int *i, unsigned min, int *out)
{
	if (strcmp(argv[*i], "--timeout") != 0)
		return 0;
	unsigned t;
	if (*i + 1 >= argc)
		return cli_usage("%s: --timeout needs a number of seconds", argv[0]);
	if (parse_uint(argv[++*i], min, 86400, &t) < 0)
		return cerr(EX_BADVALUE, 0, "invalid --timeout '%s' (seconds, %u-86400)", argv[*i], min);
	*out = (int)t;
	return 1;
}

int cmd_start(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(argc, argv, &ctid, "start CTID [--wait [--timeout S]] [--force]");
	if (r < 0)
		return r;
	bool force = false, wait = false;
	int timeout = -1;
	for (int i = 2; i < argc; i++) {
		if ((r = opt_timeout(argc, argv, &i, 1, &timeout)) < 0)
			return r;
		if (r)
			continue;
		if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "--wait") == 0)
			wait = true;
		else
			return cli_usage("start: unknown option '%s'", argv[i]);
	}
	if (timeout >= 0 && !wait)
		return cli_usage("start: --timeout goes with --wait");
	if (timeout < 0)
		timeout = 120;
	uint64_t t0 = now_ms();
	if ((r = ct_start(g, ctid, force)) < 0)
		return r;
	printf("Container %u started\n", ctid);
	if (!wait)
		return 0;
	fflush(stdout);
	if ((r = monitor_wait_ready(g, ctid, t0, timeout)) < 0)
		return r;
	printf("Container %u booted in %.2f s\n", ctid, (double)(now_ms() - t0) / 1000.0);
	return 0;
}

static int stop_opts(int argc, char **argv, bool *fast, int *timeout)
{
	*fast = false;
	*timeout = -1;
	for (int i = 2; i < argc; i++) {
		int r = opt_timeout(argc, argv, &i, 0, timeout);
		if (r < 0)
			return r;
		if (r)
			continue;
		if (strcmp(argv[i], "--fast") == 0)
			*fast = true;
		else
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

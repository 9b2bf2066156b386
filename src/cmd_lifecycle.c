/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create, start, stop, restart, status, destroy, suspend, resume */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctfreeze.h"
#include "ctops.h"
#include "error.h"
#include "json.h"
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

static const struct cli_opt create_opts[] = {
	{'t', "ostemplate", 0, "T", "the template to unpack (default: [defaults] ostemplate)", false},
	{'c', "config", 0, "SAMPLE", "start the config from the sample ve-SAMPLE.conf-sample", false},
	{'u', "userns", 0, "yes|no", "a user namespace (default: [userns] default)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_create = {"create", cmd_create, "CTID", create_opts, CLI_CTID | CLI_PARAMS,
				   "Unpack a template into a new private area and write the container's config."};

int cmd_create(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl create CTID [--ostemplate T] [--config SAMPLE] ...");
	unsigned ctid;
	int r = cli_ctid(NULL, argv[1], &ctid); /* a new container: a number */
	if (r < 0)
		return r;
	struct create_opts o = {.userns = -1};
	/* the options create handles itself; the rest go through the parameter table */
	_cleanup_free_ char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0;
	rest[nrest++] = argv[0];
	struct cli_parse p;
	cli_parse_init(&p, &cli_create, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		bool b;
		switch (r) {
		case 't':
			o.ostemplate = v;
			break;
		case 'c':
			o.sample = v;
			break;
		case 'u':
			if (parse_bool(v, &b) < 0)
				return cerr(EX_BADVALUE, 0, "invalid --userns value '%s' (yes or no)", v);
			o.userns = b;
			break;
		case CLI_OTHER: /* --PARAM VALUE */
			rest[nrest++] = argv[p.i - (p.other_value ? 2 : 1)];
			if (p.other_value)
				rest[nrest++] = argv[p.i - 1];
			break;
		case CLI_ARG:
			return cli_usage("create: unknown option '%s'", v);
		default:
			return r;
		}
	}
	struct create_args ca = {nrest, rest};
	o.apply = create_apply;
	o.arg = &ca;
	r = ct_create(g, ctid, &o);
	if (r == 0)
		printf("Container %u created\n", ctid);
	return r;
}

static int one_ctid(const struct gconf *g, int argc, char **argv, unsigned *ctid, const char *usage)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl %s", usage);
	return cli_ctid(g, argv[1], ctid);
}

/* A --timeout value: seconds, min..86400. */
static int parse_timeout(const char *v, unsigned min, int *out)
{
	unsigned t;
	if (parse_uint(v, min, 86400, &t) < 0)
		return cerr(EX_BADVALUE, 0, "invalid --timeout '%s' (seconds, %u-86400)", v, min);
	*out = (int)t;
	return 0;
}

static const struct cli_opt start_opts[] = {
	{'w', "wait", 0, NULL, "then wait until the guest has finished booting", false},
	{'t', "timeout", 0, "S", "with --wait: give up after S seconds (default 120)", false},
	{'f', "force", 0, NULL, "start the container even when it is disabled", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_start = {"start", cmd_start, "CTID", start_opts, CLI_CTID,
				  "Start the container: its init runs in new namespaces, watched by a monitor."};

int cmd_start(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(g, argc, argv, &ctid, "start CTID [--wait [--timeout S]] [--force]");
	if (r < 0)
		return r;
	bool force = false, wait = false;
	int timeout = -1;
	struct cli_parse p;
	cli_parse_init(&p, &cli_start, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 't':
			if ((r = parse_timeout(v, 1, &timeout)) < 0)
				return r;
			break;
		case 'f':
			force = true;
			break;
		case 'w':
			wait = true;
			break;
		case CLI_ARG:
			return cli_usage("start: unknown option '%s'", v);
		default:
			return r;
		}
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

static const struct cli_opt stop_opts_tab[] = {
	{'f', "fast", 0, NULL, "kill at once, without asking the guest to power off", false},
	{'t', "timeout", 0, "S", "kill after S seconds (default 120)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_stop = {"stop", cmd_stop, "CTID", stop_opts_tab, CLI_CTID,
				 "Ask the guest to power off; kill what is left after the timeout."};
const struct cli_cmd cli_restart = {"restart", cmd_restart, "CTID", stop_opts_tab, CLI_CTID,
				    "Stop the container (when it runs), then start it."};

static int stop_opts(const struct cli_cmd *cmd, int argc, char **argv, bool *fast, int *timeout)
{
	*fast = false;
	*timeout = -1;
	struct cli_parse p;
	cli_parse_init(&p, cmd, argc, argv, 2);
	const char *v;
	int r;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 't':
			if ((r = parse_timeout(v, 0, timeout)) < 0)
				return r;
			break;
		case 'f':
			*fast = true;
			break;
		case CLI_ARG:
			return cli_usage("%s: unknown option '%s'", argv[0], v);
		default:
			return r;
		}
	}
	return 0;
}

int cmd_stop(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	bool fast;
	int timeout, r = one_ctid(g, argc, argv, &ctid, "stop CTID [--fast] [--timeout S]");
	if (r < 0 || (r = stop_opts(&cli_stop, argc, argv, &fast, &timeout)) < 0)
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
	int timeout, r = one_ctid(g, argc, argv, &ctid, "restart CTID [--fast] [--timeout S]");
	if (r < 0 || (r = stop_opts(&cli_restart, argc, argv, &fast, &timeout)) < 0)
		return r;
	struct cerr_saved es;
	cerr_save(&es);
	r = ct_stop(g, ctid, fast, timeout);
	if (r < 0 && cerr_exit() != EX_NOTRUNNING)
		return r;
	cerr_restore(&es); /* not running: start it */
	if ((r = ct_start(g, ctid, false)) < 0)
		return r;
	printf("Container %u restarted\n", ctid);
	return 0;
}

static const struct cli_opt status_opts[] = {
	{'j', "json", 'j', NULL, "a JSON object: ctid, exist, running, suspended, name", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_status = {"status", cmd_status, "CTID", status_opts, CLI_CTID,
				   "Say whether the container exists and runs: CTID N deleted|exist down|exist running [suspended]."};

int cmd_status(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(g, argc, argv, &ctid, "status CTID [-j]");
	if (r < 0)
		return r;
	bool json;
	if ((r = cli_json_only(&cli_status, argc, argv, 2, &json)) < 0)
		return r;
	int st = ct_status(g, ctid);
	struct ct_state rs;
	bool suspended = st == 2 && ct_running(g, ctid, &rs) && ct_suspended(&rs);
	if (!json) {
		static const char *words[] = {"deleted", "exist down", "exist running"};
		printf("CTID %u %s%s\n", ctid, words[st], suspended ? " suspended" : "");
		return 0;
	}
	/* the name from the config; a config that does not load has none here (status still answers) */
	struct ct_config *c = NULL;
	struct cerr_saved es;
	cerr_save(&es);
	if (st != 0 && ctconf_load(g, ctid, &c) < 0)
		c = NULL;
	cerr_restore(&es);
	struct json j;
	json_init(&j);
	json_obj(&j);
	json_key(&j, "ctid");
	json_u64(&j, ctid);
	json_key(&j, "exist");
	json_bool(&j, st != 0);
	json_key(&j, "running");
	json_bool(&j, st == 2);
	json_key(&j, "suspended");
	json_bool(&j, suspended);
	json_key(&j, "name");
	if (c && c->name)
		json_str(&j, c->name);
	else
		json_null(&j);
	json_end(&j);
	_cleanup_free_ char *text = json_done(&j);
	fputs(text, stdout);
	if (c)
		ctconf_free(c);
	return 0;
}

const struct cli_cmd cli_destroy = {"destroy", cmd_destroy, "CTID", NULL, CLI_CTID,
				    "Remove a stopped container: its private area and its config."};
const struct cli_cmd cli_delete = {"delete", cmd_destroy, "CTID", NULL, CLI_CTID | CLI_HIDDEN, "The same as destroy."};

int cmd_destroy(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(g, argc, argv, &ctid, "destroy CTID");
	if (r < 0)
		return r;
	if (argc > 2)
		return cli_usage("destroy: unknown option '%s'", argv[2]);
	if ((r = ct_destroy(g, ctid)) < 0)
		return r;
	printf("Container %u destroyed\n", ctid);
	return 0;
}

const struct cli_cmd cli_suspend = {"suspend", cmd_suspend, "CTID", NULL, CLI_CTID,
				    "Freeze every process of a running container (its cgroup freezer)."};
const struct cli_cmd cli_resume = {"resume", cmd_resume, "CTID", NULL, CLI_CTID,
				   "Thaw a suspended container: its processes run on where they were."};

int cmd_suspend(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(g, argc, argv, &ctid, "suspend CTID");
	if (r < 0)
		return r;
	if (argc > 2)
		return cli_usage("suspend: unknown option '%s'", argv[2]);
	if ((r = ct_suspend(g, ctid)) < 0)
		return r;
	printf("Container %u suspended\n", ctid);
	return 0;
}

int cmd_resume(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	int r = one_ctid(g, argc, argv, &ctid, "resume CTID");
	if (r < 0)
		return r;
	if (argc > 2)
		return cli_usage("resume: unknown option '%s'", argv[2]);
	if ((r = ct_resume(g, ctid)) < 0)
		return r;
	printf("Container %u resumed\n", ctid);
	return 0;
}

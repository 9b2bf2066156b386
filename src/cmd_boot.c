/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot, shutdown: every container, by onboot and bootorder (ctboot.h) */
#include <stdio.h>

#include "cli.h"
#include "ctboot.h"
#include "error.h"
#include "util.h"

static const struct cli_opt boot_opts_tab[] = {
	{'p', "parallel", 0, "N", "at most N starts at a time (default: [boot] parallel, 4)", false},
	{'t', "timeout", 0, "S", "a container not ready S seconds after its start counts as failed (default 120)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_boot = {"boot", cmd_boot, NULL, boot_opts_tab, 0,
				 "Start the onboot containers and those running at the last shutdown, by bootorder."};

static const struct cli_opt shutdown_opts_tab[] = {
	{'p', "parallel", 0, "N", "at most N stops at a time (default: [boot] shutdown_parallel, 16)", false},
	{'t', "timeout", 0, "S", "kill what still runs S seconds after the command began (default 300)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_shutdown = {"shutdown", cmd_shutdown, NULL, shutdown_opts_tab, 0,
				     "Record the running containers, then stop them all in reverse bootorder."};

static void print_one(unsigned ctid, enum boot_what what, const char *msg, void *arg)
{
	(void)arg;
	switch (what) {
	case BOOT_STARTED:
		if (msg) /* onconnect: its waiter */
			printf("Container %u %s\n", ctid, msg);
		else
			printf("Container %u started\n", ctid);
		break;
	case BOOT_STOPPED:
		printf("Container %u stopped\n", ctid);
		break;
	case BOOT_SKIPPED:
		printf("Container %u skipped: %s\n", ctid, msg);
		break;
	case BOOT_FAILED:
		fflush(stdout);
		fprintf(stderr, "cellctl: container %u: %s\n", ctid, msg);
		break;
	}
	fflush(stdout);
}

static int parse_opts(const struct cli_cmd *cmd, int argc, char **argv, struct boot_opts *o, unsigned def_parallel,
		      unsigned def_timeout)
{
	*o = (struct boot_opts){.parallel = def_parallel, .timeout_s = (int)def_timeout, .report = print_one};
	struct cli_parse p;
	cli_parse_init(&p, cmd, argc, argv, 1);
	const char *v;
	int r;
	unsigned u;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'p':
			if (parse_uint(v, 1, 256, &u) < 0)
				return cerr(EX_BADVALUE, 0, "invalid --parallel '%s' (1-256)", v);
			o->parallel = u;
			break;
		case 't':
			if (parse_uint(v, 1, 86400, &u) < 0)
				return cerr(EX_BADVALUE, 0, "invalid --timeout '%s' (seconds, 1-86400)", v);
			o->timeout_s = (int)u;
			break;
		case CLI_ARG:
			return cli_usage("%s: unexpected argument '%s'", argv[0], v);
		default:
			return r;
		}
	}
	return 0;
}

int cmd_boot(struct gconf *g, int argc, char **argv)
{
	struct boot_opts o;
	struct boot_result res;
	int r = parse_opts(&cli_boot, argc, argv, &o, g->boot_parallel, 120);
	if (r < 0)
		return r;
	r = ct_boot(g, &o, &res);
	printf("boot: started %u, failed %u, skipped %u\n", res.done, res.failed, res.skipped);
	if (r < 0)
		return r;
	if (res.failed)
		return cerr(EX_FAIL, 0, "boot: %u container(s) failed to start", res.failed);
	return 0;
}

int cmd_shutdown(struct gconf *g, int argc, char **argv)
{
	struct boot_opts o;
	struct boot_result res;
	int r = parse_opts(&cli_shutdown, argc, argv, &o, g->shutdown_parallel, 300);
	if (r < 0)
		return r;
	r = ct_shutdown(g, &o, &res);
	printf("shutdown: stopped %u, failed %u\n", res.done, res.failed);
	if (r < 0)
		return r;
	if (res.failed)
		return cerr(EX_STOPERR, 0, "shutdown: %u container(s) could not be stopped", res.failed);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cellctl: an OpenVZ-style system-container manager. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "log.h"
#include "phase.h"
#include "proctitle.h"
#include "monitor.h"
#include "tplremote.h"
#include "util.h"

static const struct cli_cmd *const commands[] = {
	&cli_create, &cli_start, &cli_stop, &cli_restart, &cli_status, &cli_destroy, &cli_delete, &cli_exec,
	&cli_enter, &cli_console, &cli_set, &cli_list, &cli_ubc, &cli_netstat, &cli_quota, &cli_quota_report,
	&cli_template, &cli_boot, &cli_shutdown,
	&cli_clone, &cli_flatten,
	&cli_import_vz,
	&cli_suspend, &cli_resume, &cli_backup, &cli_restore_backup,
	&cli_lxcfs, &cli_hook_exec,
	&cli_migrate, &cli_migrate_check, &cli_migrate_restore, &cli_migrate_precopy,
	&cli_chkpnt, &cli_restore,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cellctl [-v|-q] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!(commands[i]->flags & CLI_HIDDEN)) {
			fputs("  ", f);
			cli_usage_line(f, commands[i]);
			fputc('\n', f);
		}
	fprintf(f, "\n`cellctl COMMAND --help` describes a command's options.\n"
		   "The global config is $CELLCTL_CONF or /etc/cellctl/cellctl.conf. See cellctl(8).\n");
}

int main(int argc, char **argv)
{
	phase_mark("cellctl.main");
	proc_title_init(argc, argv);
	tpl_set_archiver(&tpl_archive_helper); /* libarchive only in the cellctl-archive helper */
	int verbosity = LOG_WARN_L, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
			verbosity++;
		else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			verbosity = LOG_ERR_L;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("cellctl %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			fprintf(stderr, "cellctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return EX_BADSYNTAX;
		}
	}
	if (verbosity > LOG_DEBUG_L)
		verbosity = LOG_DEBUG_L;
	log_init(NULL, verbosity);
	if (i >= argc) {
		usage(stderr);
		return EX_NOTENOUGH;
	}
	const char *name = argv[i];
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++) {
		const struct cli_cmd *cmd = commands[k];
		if (strcmp(name, cmd->name) != 0)
			continue;
		/* vzctl puts the CTID first; it may come after the options too ("stop --fast 101") */
		if (cli_prepare(cmd, argc - i, argv + i)) {
			cli_help(stdout, cmd);
			return 0;
		}
		struct gconf *g = NULL;
		int r = gconf_load(&g);
		if (r == 0) {
			log_set_file(g->log_file);
			phase_mark("cellctl.gconf");
			r = cmd->fn(g, argc - i, argv + i);
			phase_mark("cellctl.done");
			gconf_free(g);
		}
		fflush(stdout);
		if (r >= 0)
			return r;
		const char *msg = cerr_msg() ? cerr_msg() : strerror(-r);
		fprintf(stderr, "cellctl: %s\n", msg);
		log_file_quiet("%s failed (exit %d): %s", name, cerr_exit(), msg);
		return cerr_exit();
	}
	fprintf(stderr, "cellctl: unknown command '%s'\n", name);
	usage(stderr);
	return EX_BADSYNTAX;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line front end: one function per command; each returns an exit status (>= 0) or a
 * negative errno with the error recorded by cerr() for main to print. Each command declares its
 * options in one table (struct cli_cmd, beside its function) that drives its parsing (cli_next),
 * its --help and where main finds its CTID. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* An option of a command. */
struct cli_opt {
	int id;           /* what cli_next returns for it (a letter; never 0, 1 or 2) */
	const char *name; /* --name (without the dashes), or NULL */
	char short_name;  /* -c, or 0 */
	const char *arg;  /* its value as --help names it ("S"); NULL when it takes none */
	const char *help;
	bool rest;        /* the rest of the command line is its value (enter --exec CMD ARG ...) */
};

enum {
	CLI_CTID = 1,    /* argv[1] is the CTID; main moves one written after the options there */
	CLI_PARAMS = 2,  /* takes --PARAM VALUE options of the parameter table too */
	CLI_CMDLINE = 4, /* after the CTID comes a command line, no options (exec) */
	CLI_HIDDEN = 8,  /* an alias: not in the usage */
};

/* A command: its name, function, arguments and options. */
struct cli_cmd {
	const char *name;
	int (*fn)(struct gconf *g, int argc, char **argv);
	const char *args;           /* the arguments in the usage line ("CTID", "[CTID ...]") */
	const struct cli_opt *opts; /* ends with an entry of id 0 */
	unsigned flags;             /* CLI_* */
	const char *help;           /* what it does, one line */
};

/* The commands (each defined beside its function). */
extern const struct cli_cmd cli_create, cli_start, cli_stop, cli_restart, cli_status, cli_destroy, cli_delete,
	cli_exec, cli_enter, cli_console, cli_set, cli_list, cli_ubc, cli_netstat, cli_quota, cli_quota_report,
	cli_template, cli_boot, cli_shutdown;
extern const struct cli_cmd cli_clone, cli_flatten;
extern const struct cli_cmd cli_import_vz;
extern const struct cli_cmd cli_suspend, cli_resume;
extern const struct cli_cmd cli_backup, cli_restore_backup;
extern const struct cli_cmd cli_lxcfs;
extern const struct cli_cmd cli_chkpnt, cli_restore;
extern const struct cli_cmd cli_hook_exec;
extern const struct cli_cmd cli_migrate, cli_migrate_check, cli_migrate_restore, cli_migrate_precopy;

/* Walking a command's argv by its table. */
struct cli_parse {
	const struct cli_cmd *cmd;
	int argc;
	char **argv;
	int i;         /* the next argument */
	bool dashdash; /* after "--": arguments only */
	const char *other_value; /* CLI_OTHER: the word after the option (its value), or NULL */
};
enum { CLI_END = 0, CLI_ARG = 1, CLI_OTHER = 2 };
/* Start at argv[first]. */
void cli_parse_init(struct cli_parse *p, const struct cli_cmd *cmd, int argc, char **argv, int first);
/* The next item: an option's id (*value its value, or for a rest option NULL with p->i at the
 * first word of the rest); CLI_ARG for an argument (*value); CLI_OTHER for an option the table
 * does not have, of a CLI_PARAMS command (*value the option; unless written --name=value, the next
 * word is taken as its value, in p->other_value: every parameter takes one);
 * CLI_END at the end. <0: an unknown option or a missing value (cerr EX_BADSYNTAX). */
int cli_next(struct cli_parse *p, const char **value);
/* For a command whose only option is -j/--json (id 'j'), from argv[first] on: *json set when it is
 * given; any argument is "NAME: unknown option" (cerr EX_BADSYNTAX), as is an unknown option. */
int cli_json_only(const struct cli_cmd *cmd, int argc, char **argv, int first, bool *json);

/* For main: whether argv (argv[0] the command) asks for --help, and, for a CLI_CTID command
 * whose argv[1] is an option, the CTID written after the options moved to argv[1] ("start --wait
 * 101" is "start 101 --wait"). Values of options are never taken for the CTID. */
bool cli_prepare(const struct cli_cmd *cmd, int argc, char **argv);
/* The usage line of a command ("start CTID [--wait] [--timeout S] [--force]"), and its --help. */
void cli_usage_line(FILE *f, const struct cli_cmd *cmd);
void cli_help(FILE *f, const struct cli_cmd *cmd);

int cmd_create(struct gconf *g, int argc, char **argv);
int cmd_clone(struct gconf *g, int argc, char **argv);
int cmd_import_vz(struct gconf *g, int argc, char **argv);
int cmd_flatten(struct gconf *g, int argc, char **argv);
int cmd_start(struct gconf *g, int argc, char **argv);
int cmd_suspend(struct gconf *g, int argc, char **argv);
int cmd_backup(struct gconf *g, int argc, char **argv);
int cmd_restore_backup(struct gconf *g, int argc, char **argv);
int cmd_migrate(struct gconf *g, int argc, char **argv);
int cmd_migrate_check(struct gconf *g, int argc, char **argv);
int cmd_migrate_restore(struct gconf *g, int argc, char **argv);
int cmd_migrate_precopy(struct gconf *g, int argc, char **argv);
int cmd_resume(struct gconf *g, int argc, char **argv);
int cmd_stop(struct gconf *g, int argc, char **argv);
int cmd_restart(struct gconf *g, int argc, char **argv);
int cmd_status(struct gconf *g, int argc, char **argv);
int cmd_destroy(struct gconf *g, int argc, char **argv);
int cmd_exec(struct gconf *g, int argc, char **argv);
int cmd_enter(struct gconf *g, int argc, char **argv);
int cmd_console(struct gconf *g, int argc, char **argv);
int cmd_set(struct gconf *g, int argc, char **argv);
int cmd_list(struct gconf *g, int argc, char **argv);
int cmd_template(struct gconf *g, int argc, char **argv);
int cmd_ubc(struct gconf *g, int argc, char **argv);
int cmd_lxcfs(struct gconf *g, int argc, char **argv);
int cmd_chkpnt(struct gconf *g, int argc, char **argv);
int cmd_restore(struct gconf *g, int argc, char **argv);
int cmd_netstat(struct gconf *g, int argc, char **argv);
int cmd_quota(struct gconf *g, int argc, char **argv);
int cmd_quota_report(struct gconf *g, int argc, char **argv);
int cmd_boot(struct gconf *g, int argc, char **argv);
int cmd_shutdown(struct gconf *g, int argc, char **argv);

/* Shared helpers (cli.c). */
/* A CTID, or with g a container's name (a word not all digits, looked up in the saved configs:
 * ctname.h). cerr EX_BADSYNTAX (also for a name no container has, as vzctl). */
int cli_ctid(const struct gconf *g, const char *s, unsigned *ctid);
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* cerr EX_BADSYNTAX */
/* Is argv[i] "--name" or "--name=value" for a table parameter accepted with flag?  Fills p and
 * value and advances *i; returns 1 when consumed, 0 when not a parameter, <0 on error. */
int cli_param(int argc, char **argv, int *i, unsigned flag, const struct param **p, const char **value);
/* Apply --PARAM VALUE options (and --ifname contexts, joined repeats) from argv[first..] to c.
 * save: where --save is reported (NULL: not accepted). */
int cli_apply_options(struct ct_config *c, int argc, char **argv, int first, unsigned flag, bool *save);

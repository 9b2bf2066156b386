/* Command-line front end: one function per command; each returns an exit status (>= 0) or a
 * negative errno with the error recorded by cerr() for main to print. */
#pragma once
#include <stdbool.h>

#include "config.h"

int cmd_create(struct gconf *g, int argc, char **argv);
int cmd_start(struct gconf *g, int argc, char **argv);
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
int cmd_netstat(struct gconf *g, int argc, char **argv);
int cmd_quota(struct gconf *g, int argc, char **argv);
int cmd_quota_report(struct gconf *g, int argc, char **argv);

/* Shared helpers (cli.c). */
int cli_ctid(const char *s, unsigned *ctid);            /* cerr EX_BADSYNTAX */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* cerr EX_BADSYNTAX */
/* Is argv[i] "--name" or "--name=value" for a table parameter accepted with flag?  Fills p and
 * value and advances *i; returns 1 when consumed, 0 when not a parameter, <0 on error. */
int cli_param(int argc, char **argv, int *i, unsigned flag, const struct param **p, const char **value);
/* Apply --PARAM VALUE options (and --ifname contexts, joined repeats) from argv[first..] to c.
 * save: where --save is reported (NULL: not accepted). */
int cli_apply_options(struct ct_config *c, int argc, char **argv, int first, unsigned flag, bool *save);

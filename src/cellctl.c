/* cellctl: an OpenVZ-style system-container manager. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "log.h"
#include "proctitle.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(struct gconf *g, int argc, char **argv);
	const char *usage;
} commands[] = {
	{"create", cmd_create, "create CTID [--ostemplate T] [--config SAMPLE] [--hostname H] [--userns yes|no] [--PARAM V ...]"},
	{"start", cmd_start, "start CTID [--wait]"},
	{"stop", cmd_stop, "stop CTID [--fast] [--timeout S]"},
	{"restart", cmd_restart, "restart CTID [--fast] [--timeout S]"},
	{"status", cmd_status, "status CTID"},
	{"destroy", cmd_destroy, "destroy CTID"},
	{"delete", cmd_destroy, NULL},
	{"exec", cmd_exec, "exec CTID [--] CMD [ARG ...]"},
	{"enter", cmd_enter, "enter CTID [--exec CMD [ARG ...]]"},
	{"console", cmd_console, "console CTID [--log]"},
	{"set", cmd_set, "set CTID --PARAM VALUE ... [--save]"},
	{"list", cmd_list, "list [-a] [-S] [-H] [-o FIELD,...] [-s [-]FIELD] [-j] [-1]"},
	{"ubc", cmd_ubc, "ubc [CTID ...] [-j]"},
	{"netstat", cmd_netstat, "netstat [CTID ...] [-H] [-j]"},
	{"quota", cmd_quota, "quota CTID"},
	{"quota-report", cmd_quota_report, "quota-report [CTID ...] [--format text|json|prom] [--output FILE] [--warn PCT] [--crit PCT] [--state FILE]"},
	{"template", cmd_template, "template list | template build NAME"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cellctl [-v|-q] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].usage)
			fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nThe global config is $CELLCTL_CONF or /etc/cellctl/cellctl.conf. See cellctl(8).\n");
}

int cli_ctid(const char *s, unsigned *ctid)
{
	int r = ctid_parse(s, ctid);
	if (r < 0)
		return cerr(EX_BADSYNTAX, 0, "invalid CTID '%s' (a number from %u to %u)", s ? s : "", CTID_MIN, CTID_MAX);
	return 0;
}

int cli_usage(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cerr(EX_BADSYNTAX, 0, "%s", buf);
}

int cli_param(int argc, char **argv, int *i, unsigned flag, const struct param **p, const char **value)
{
	const char *a = argv[*i];
	if (!str_startswith(a, "--") || !a[2])
		return 0;
	char name[64];
	const char *eq = strchr(a + 2, '=');
	size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	if (n >= sizeof(name))
		return 0;
	memcpy(name, a + 2, n);
	name[n] = 0;
	for (char *s = name; *s; s++)
		if (*s == '-')
			*s = '_';
	const struct param *q = param_find(name);
	if (!q)
		return 0;
	if (!(q->flags & flag))
		return cerr(EX_BADSYNTAX, 0, "option --%s is not accepted here", name);
	if (eq) {
		*value = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return cerr(EX_BADSYNTAX, 0, "option --%s needs a value", name);
		*value = argv[++*i];
	}
	*p = q;
	return 1;
}

int main(int argc, char **argv)
{
	proc_title_init(argc, argv);
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
		if (strcmp(name, commands[k].name) != 0)
			continue;
		/* vzctl puts the CTID first; accept it after options too ("stop --fast 101"): the first
		 * all-digit argument that is not the value of the option before it */
		int sub = argc - i;
		char **sv = argv + i;
		if (sub > 2 && sv[1][0] == '-' && strcmp(name, "exec") != 0 && strcmp(name, "list") != 0 &&
		    strcmp(name, "template") != 0) {
			static const char *flags[] = {"--save", "--fast", "--force", "--log", "--"};
			for (int a = 2; a < sub; a++) {
				const char *prev = sv[a - 1];
				bool prev_takes_value = prev[0] == '-' && !strchr(prev, '=');
				for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
					if (strcmp(prev, flags[f]) == 0)
						prev_takes_value = false;
				if (prev_takes_value || !sv[a][0] || strspn(sv[a], "0123456789") != strlen(sv[a]))
					continue;
				char *id = sv[a];
				memmove(&sv[2], &sv[1], sizeof(char *) * (size_t)(a - 1));
				sv[1] = id;
				break;
			}
		}
		struct gconf *g = NULL;
		int r = gconf_load(&g);
		if (r == 0) {
			log_set_file(g->log_file);
			r = commands[k].fn(g, argc - i, argv + i);
			gconf_free(g);
		}
		fflush(stdout);
		if (r >= 0)
			return r;
		fprintf(stderr, "cellctl: %s\n", cerr_msg() ? cerr_msg() : strerror(-r));
		return cerr_exit();
	}
	fprintf(stderr, "cellctl: unknown command '%s'\n", name);
	usage(stderr);
	return EX_BADSYNTAX;
}

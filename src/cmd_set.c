/* SPDX-License-Identifier: GPL-2.0-or-later */
/* set CTID --PARAM VALUE ... [--save] */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "ctown.h"
#include "ctset.h"
#include "error.h"
#include "guestacct.h"
#include "provision.h"
#include "state.h"
#include "util.h"

struct set_args {
	int argc;
	char **argv;
};

static int set_apply(struct ct_config *c, void *arg, bool *save)
{
	struct set_args *a = arg;
	return cli_apply_options(c, a->argc, a->argv, 2, PF_SET, save);
}

/* The parameters themselves are parsed by cli_apply_options (cli.c); this table gives --help and
 * main the options that are not parameters. */
static const struct cli_opt set_opts[] = {
	{'s', "save", 0, NULL, "change the config too (a stopped container: only the config)", false},
	{'i', "ifname", 0, "NAME", "the interface the per-interface options after it change", false},
	{'p', "userpasswd", 0, "USER:PASSWORD", "set a guest user's password (USER:- reads it from stdin)", false},
	{'k', "ssh-key", 0, "FILE", "append the public key in FILE to the guest user's authorized_keys", false},
	{'u', "ssh-user", 0, "USER", "whose authorized_keys --ssh-key changes (default root)", false},
	{'o', "ownership", 0, "MODE", "mapped or shifted: convert a stopped copy container (alone)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_set = {"set", cmd_set, "CTID", set_opts, CLI_CTID | CLI_PARAMS,
				"Change parameters: live on a running container, in its config with --save."};

/* On a running container: tell which options of argv take effect at the next start only
 * (parameters without PF_LIVE). */
static void note_next_start(unsigned ctid, int argc, char **argv, bool save)
{
	for (int i = 2; i < argc; i++) {
		char name[64];
		if (!str_startswith(argv[i], "--") || strlen(argv[i]) >= sizeof(name) + 2)
			continue;
		snprintf(name, sizeof(name), "%s", argv[i] + 2);
		name[strcspn(name, "=")] = 0;
		const struct param *p = param_find(name);
		if (!p || (p->flags & PF_LIVE))
			continue;
		if (save)
			printf("Note: --%s applies at the next start of CT %u\n", p->name, ctid);
		else
			fprintf(stderr, "WARNING: --%s applies only at a start of CT %u: without --save it has no effect\n",
				p->name, ctid);
	}
}

/* The provisioning options, taken out of the command line before anything else. */
struct prov_args {
	char *user, *password; /* --userpasswd */
	bool save;             /* --save */
	const char *key_file;  /* --ssh-key */
	const char *key_user;  /* --ssh-user */
	const char *ownership; /* --ownership: a conversion, alone */
};

static void prov_args_free(struct prov_args *a)
{
	if (a->password)
		explicit_bzero(a->password, strlen(a->password));
	free(a->password);
	free(a->user);
}

/* --userpasswd USER:PASSWORD: split, and the password wiped from the process's arguments (what
 * ps and /proc/PID/cmdline show) at once. */
static int take_userpasswd(char *v, struct prov_args *a)
{
	int r = a->user ? -EEXIST : acct_split_userpasswd(v, &a->user, &a->password);
	/* USER:- holds no secret; without a ':' the whole value may be a mistyped password */
	char *colon = strchr(v, ':'), *secret = colon ? colon + 1 : v;
	if (strcmp(secret, "-") != 0)
		explicit_bzero(secret, strlen(secret));
	if (r == -EEXIST)
		return cli_usage("set: --userpasswd given twice");
	if (r < 0)
		return cerr(EX_BADVALUE, 0, "%s%s", "invalid value for --userpasswd: USER:PASSWORD or USER:- (stdin), ",
			    "USER of letters, digits and . _ -, the password not empty");
	return 0;
}

/* USER:- : one line of standard input (without echo on a terminal). */
static int read_password(struct prov_args *a)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, "Password for %s: ", a->user);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	if (n <= 0) {
		if (line)
			explicit_bzero(line, cap);
		free(line);
		return cerr(EX_BADVALUE, 0, "--userpasswd %s:-: no password on standard input", a->user);
	}
	a->password = line;
	return 0;
}

/* Split argv into the provisioning options (a) and the rest (the CTID, parameters, --save,
 * --ifname) for the parameter table; *params: a parameter was given. */
static int split_args(int argc, char **argv, char **rest, int *nrest, struct prov_args *a, bool *params)
{
	struct cli_parse p;
	const char *v;
	int r;
	cli_parse_init(&p, &cli_set, argc, argv, 2);
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'p':
			if ((r = take_userpasswd(UNCONST(v), a)) < 0)
				return r;
			break;
		case 'k':
			a->key_file = v;
			break;
		case 'o':
			a->ownership = v;
			break;
		case 'u':
			if (!acct_valid_user(v))
				return cerr(EX_BADVALUE, 0, "invalid value for --ssh-user: letters, digits and . _ -");
			a->key_user = v;
			break;
		case 's':
			a->save = true;
			rest[(*nrest)++] = UNCONST("--save");
			break;
		case 'i':
			rest[(*nrest)++] = UNCONST("--ifname");
			rest[(*nrest)++] = UNCONST(v);
			*params = true;
			break;
		case CLI_OTHER: /* --PARAM VALUE */
			rest[(*nrest)++] = UNCONST(v);
			if (p.other_value)
				rest[(*nrest)++] = UNCONST(p.other_value);
			*params = true;
			break;
		case CLI_ARG:
			rest[(*nrest)++] = UNCONST(v);
			*params = true;
			break;
		default:
			return r;
		}
	}
	if (a->key_user && !a->key_file)
		return cli_usage("set: --ssh-user needs --ssh-key");
	return 0;
}

/* set's parameters (ct_set), with its messages. */
static int set_params(struct gconf *g, unsigned ctid, int argc, char **argv)
{
	struct set_args a = {argc, argv};
	struct set_opts o = {.apply = set_apply, .arg = &a};
	enum ct_set_result res;
	int r;
	if ((r = ct_set(g, ctid, &o, &res)) < 0)
		return r;
	switch (res) {
	case CT_SET_SAVED:
		printf("Saved parameters for CT %u\n", ctid);
		break;
	case CT_SET_UNCHANGED:
		printf("No changes in CT configuration, not saving\n");
		break;
	case CT_SET_LIVE_ONLY:
		fprintf(stderr, "WARNING: Settings were not saved to the container configuration file and will be lost "
				"after CT restart. Use --save to save them.\n");
		break;
	}
	struct ct_state st;
	if (res != CT_SET_UNCHANGED && ct_running(g, ctid, &st))
		note_next_start(ctid, argc, argv, res == CT_SET_SAVED);
	return 0;
}

/* --ownership: the conversion of the private area (ctown.h), with its message. */
static int set_ownership(struct gconf *g, unsigned ctid, const char *own)
{
	bool changed;
	uint64_t t0 = now_ms();
	int r = ct_set_ownership(g, ctid, own, &changed);
	if (r < 0)
		return r;
	if (changed)
		printf("Converted CT %u to ownership %s in %llu ms\n", ctid, own, (unsigned long long)(now_ms() - t0));
	else
		printf("CT %u has ownership %s already\n", ctid, own);
	return 0;
}

/* --userpasswd, --ssh-key in the guest (line: the key prov_read_key checked). */
static int set_prov(struct gconf *g, unsigned ctid, const struct prov_args *a, const char *line)
{
	int r;
	struct prov_req rq = {.user = a->user, .password = a->password, .key_line = line, .key_user = a->key_user};
	struct prov_result res;
	if ((r = ct_provision(g, ctid, &rq, &res)) < 0)
		return r;
	const char *ku = a->key_user ? a->key_user : "root";
	if (res.password_set)
		printf("Password of user %s in CT %u set\n", a->user, ctid);
	if (res.key_added)
		printf("SSH key added to the authorized_keys of user %s in CT %u\n", ku, ctid);
	if (res.key_present)
		printf("SSH key already in the authorized_keys of user %s in CT %u: not added\n", ku, ctid);
	return 0;
}

int cmd_set(struct gconf *g, int argc, char **argv)
{
	if (argc < 3)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl set CTID --PARAM VALUE ... [--save]");
	/* first: the password leaves the command line before anything can fail or wait */
	struct prov_args pa = {0};
	_cleanup_free_ char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int nrest = 2;
	bool params = false;
	rest[0] = argv[0];
	rest[1] = argv[1];
	int r = split_args(argc, argv, rest, &nrest, &pa, &params);
	unsigned ctid;
	if (r >= 0)
		r = cli_ctid(g, argv[1], &ctid);
	bool prov = pa.user || pa.key_file;
	/* --ownership converts the private area of a stopped container: alone (--save is implied) */
	if (r >= 0 && pa.ownership) {
		if (params || prov)
			r = cerr(EX_BADSYNTAX, 0, "set --ownership converts the container's private area: give it alone");
		else
			r = set_ownership(g, ctid, pa.ownership);
		prov_args_free(&pa);
		return r;
	}
	/* the key and the password are checked and read before anything changes */
	_cleanup_free_ char *line = NULL;
	if (r >= 0 && pa.key_file)
		r = prov_read_key(pa.key_file, &line);
	if (r >= 0 && pa.user && !pa.password)
		r = read_password(&pa);
	if (r >= 0 && (params || !prov))
		r = set_params(g, ctid, nrest, rest);
	if (r >= 0 && prov) {
		r = set_prov(g, ctid, &pa, line);
		if (r < 0 && params) /* no half-success without saying so */
			fprintf(stderr, "cellctl: CT %u: the other parameters of this set were applied%s; the account "
					"change failed:\n",
				ctid, pa.save ? " and saved" : "");
	}
	prov_args_free(&pa);
	return r;
}

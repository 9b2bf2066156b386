/* SPDX-License-Identifier: GPL-2.0-or-later */
/* import-vz */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctimport.h"
#include "error.h"
#include "util.h"

static const struct cli_opt import_opts[] = {
	{'c', "conf", 0, "FILE", "the OpenVZ container config (CTID.conf)", false},
	{'p', "private", 0, "DIR", "the private area (default: the config's VE_PRIVATE, $VEID expanded)", false},
	{'C', "copy", 0, NULL, "copy the private area (the default; the original stays)", false},
	{'m', "move", 0, NULL, "move the private area in (same file system) and re-own it in place", false},
	{'n', "dry-run", 0, NULL, "print the translation report only: nothing is made", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_import_vz = {"import-vz",
				      cmd_import_vz,
				      "CTID",
				      import_opts,
				      CLI_CTID,
				      "Make container CTID from an OpenVZ container: its CTID.conf translated key by key, "
				      "its private area copied or moved in with owners shifted."};

int cmd_import_vz(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl import-vz CTID --conf FILE [--private DIR] [--copy|--move] "
					     "[--dry-run]");
	unsigned ctid;
	int r = cli_ctid(NULL, argv[1], &ctid); /* a new container: a number */
	if (r < 0)
		return r;
	struct import_opts o = {0};
	bool copy = false;
	struct cli_parse p;
	cli_parse_init(&p, &cli_import_vz, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'c':
			o.conf = v;
			break;
		case 'p':
			o.private = v;
			break;
		case 'C':
			copy = true;
			break;
		case 'm':
			o.move = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case CLI_ARG:
			return cli_usage("import-vz: unknown argument '%s'", v);
		default:
			return r;
		}
	}
	if (!o.conf)
		return cerr(EX_NOTENOUGH, 0, "import-vz: --conf FILE (the OpenVZ CTID.conf) is needed");
	if (copy && o.move)
		return cli_usage("import-vz: --copy and --move exclude each other");
	struct vz_report rep;
	r = ct_import_vz(g, ctid, &o, &rep);
	if (rep.n) {
		_cleanup_free_ char *text = vzconf_report_render(&rep);
		fputs(text, r < 0 ? stderr : stdout);
	}
	vzconf_report_free(&rep);
	if (r == 0 && !o.dry_run)
		printf("Container %u imported from %s (%s)\n", ctid, o.conf, o.move ? "moved" : "copied");
	else if (r == 0)
		printf("Dry run: nothing was made\n");
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chkpnt, restore: checkpoint and restore through CRIU */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctcriu.h"
#include "error.h"
#include "util.h"

static const struct cli_opt chkpnt_opts[] = {
	{'f', "dumpfile", 0, "DIR", "the checkpoint's directory (default: DUMPDIR/Dump.CTID)", false},
	{'d', "dumpdir", 0, "DIR", "where the default directory goes (default: [backup] dumpdir)", false},
	{'t', "tcp-established", 0, NULL, "keep established TCP connections (they resume after restore)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_chkpnt = {"chkpnt", cmd_chkpnt, "CTID", chkpnt_opts, CLI_CTID,
				   "Checkpoint a running container's processes with CRIU, then stop it."};

static const struct cli_opt restore_opts[] = {
	{'f', "dumpfile", 0, "DIR", "the checkpoint's directory (default: DUMPDIR/Dump.CTID)", false},
	{'d', "dumpdir", 0, "DIR", "where the default directory is (default: [backup] dumpdir)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_restore = {"restore", cmd_restore, "CTID", restore_opts, CLI_CTID,
				    "Restore a checkpointed container: its processes run on where they were."};

static int parse(struct gconf *g, const struct cli_cmd *cmd, int argc, char **argv, unsigned *ctid,
		 struct chkpnt_opts *o)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl %s CTID [--dumpfile DIR | --dumpdir DIR]", cmd->name);
	int r = cli_ctid(g, argv[1], ctid);
	if (r < 0)
		return r;
	struct cli_parse p;
	cli_parse_init(&p, cmd, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'f':
			if (!*v)
				return cerr(EX_BADVALUE, 0, "%s: --dumpfile needs a directory", cmd->name);
			o->dumpfile = v;
			break;
		case 'd':
			if (!*v)
				return cerr(EX_BADVALUE, 0, "%s: --dumpdir needs a directory", cmd->name);
			o->dumpdir = v;
			break;
		case 't':
			o->tcp_established = true;
			break;
		case CLI_ARG:
			return cli_usage("%s: unexpected argument '%s'", cmd->name, v);
		default:
			return r;
		}
	}
	if (o->dumpfile && o->dumpdir)
		return cli_usage("%s: --dumpfile and --dumpdir exclude each other", cmd->name);
	return 0;
}

int cmd_chkpnt(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	struct chkpnt_opts o = {0};
	int r = parse(g, &cli_chkpnt, argc, argv, &ctid, &o);
	if (r < 0 || (r = ct_chkpnt(g, ctid, &o)) < 0)
		return r;
	_cleanup_free_ char *dir = ct_chkpnt_dir(g, ctid, &o);
	printf("Container %u checkpointed to %s and stopped\n", ctid, dir);
	return 0;
}

int cmd_restore(struct gconf *g, int argc, char **argv)
{
	unsigned ctid;
	struct chkpnt_opts o = {0};
	int r = parse(g, &cli_restore, argc, argv, &ctid, &o);
	if (r < 0 || (r = ct_restore(g, ctid, &o)) < 0)
		return r;
	printf("Container %u restored\n", ctid);
	return 0;
}

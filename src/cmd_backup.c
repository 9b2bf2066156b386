/* SPDX-License-Identifier: GPL-2.0-or-later */
/* backup, restore-backup */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctbackup.h"
#include "error.h"
#include "json.h"
#include "util.h"

static const struct cli_opt backup_opts[] = {
	{'m', "mode", 0, "stop|suspend|live", "how a running container is archived (default stop)", false},
	{'d', "dumpdir", 0, "DIR", "write the archive there under its default name (default: [backup] dumpdir)", false},
	{'o', "output", 'o', "FILE", "write the archive to FILE instead", false},
	{'c', "compress", 0, "zstd|gzip|none", "the compression (default zstd)", false},
	{'j', "json", 'j', NULL, "print a JSON line: file, bytes, seconds, ctid", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_backup =
	{"backup", cmd_backup,
	 "CTID",   backup_opts,
	 CLI_CTID, "Write the container (config and whole tree, container-relative owners) to one archive."};

int cmd_backup(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0,
			    "usage: cellctl backup CTID [--mode stop|suspend|live] [--dumpdir DIR | -o FILE] "
			    "[--compress zstd|gzip|none] [-j]");
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	struct backup_opts o = {.mode = BK_STOP, .progress = isatty(STDERR_FILENO)};
	bool json = false;
	struct cli_parse p;
	cli_parse_init(&p, &cli_backup, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'm':
			if (!strcmp(v, "stop"))
				o.mode = BK_STOP;
			else if (!strcmp(v, "suspend"))
				o.mode = BK_SUSPEND;
			else if (!strcmp(v, "live"))
				o.mode = BK_LIVE;
			else
				return cerr(EX_BADVALUE, 0, "invalid --mode '%s' (stop, suspend or live)", v);
			break;
		case 'd':
			o.dumpdir = v;
			break;
		case 'o':
			o.output = v;
			break;
		case 'c':
			o.compress = v;
			break;
		case 'j':
			json = true;
			break;
		case CLI_ARG:
			return cli_usage("backup: unknown option '%s'", v);
		default:
			return r;
		}
	}
	if (o.dumpdir && o.output)
		return cli_usage("backup: --dumpdir and -o exclude each other");
	if (o.output && !strcmp(o.output, "-")) {
		if (json)
			return cli_usage("backup: -j and -o - exclude each other (the archive is the output)");
		if (isatty(STDOUT_FILENO))
			return cerr(EX_BADVALUE, 0, "backup: -o - would write the archive to a terminal");
		o.progress = false;
	}
	struct backup_result res;
	if ((r = ct_backup(g, ctid, &o, &res)) < 0)
		return r;
	if (json) {
		struct json j;
		json_init(&j);
		json_obj(&j);
		json_key(&j, "ctid");
		json_u64(&j, ctid);
		json_key(&j, "file");
		json_str(&j, res.file);
		json_key(&j, "bytes");
		json_u64(&j, res.bytes);
		json_key(&j, "seconds");
		json_numf(&j, "%.3f", res.seconds);
		json_end(&j);
		_cleanup_free_ char *text = json_done(&j);
		fputs(text, stdout);
	} else if (!strcmp(res.file, "-")) {
		fprintf(stderr, "Container %u backed up to standard output\n", ctid);
	} else {
		printf("Container %u backed up to %s\n", ctid, res.file);
	}
	free(res.file);
	return 0;
}

static const struct cli_opt restore_opts[] = {
	{'f', "force", 0, NULL, "replace an existing (stopped) container CTID once the new one is complete", false},
	{'n', "name", 0, "N", "the restored container's name", false},
	{'P', "precopy", 0, "TOKEN", "(run by migrate) FILE is the final pass of the migration TOKEN over its pre-copy",
	 false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_restore_backup = {"restore-backup",
					   cmd_restore_backup,
					   "FILE CTID",
					   restore_opts,
					   0,
					   "Make container CTID from a backup archive (layout copy, a new id block)."};

int cmd_restore_backup(struct gconf *g, int argc, char **argv)
{
	struct restore_opts o = {0};
	const char *args[2] = {NULL, NULL};
	int nargs = 0, r;
	struct cli_parse p;
	cli_parse_init(&p, &cli_restore_backup, argc, argv, 1);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'f':
			o.force = true;
			break;
		case 'n':
			o.name = v;
			break;
		case 'P':
			o.precopy_token = v;
			break;
		case CLI_ARG:
			if (nargs == 2)
				return cli_usage("restore-backup: one FILE and one CTID ('%s' is one too many)", v);
			args[nargs++] = v;
			break;
		default:
			return r;
		}
	}
	if (nargs < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl restore-backup FILE CTID [--force] [--name N]");
	unsigned ctid;
	if ((r = cli_ctid(NULL, args[1], &ctid)) < 0)
		return r;
	if (!strcmp(args[0], "-") && isatty(STDIN_FILENO))
		return cerr(EX_BADVALUE, 0, "restore-backup: FILE - reads the archive from standard input, a terminal here");
	if ((r = ct_restore_backup(g, args[0], ctid, &o)) < 0)
		return r;
	printf("Container %u restored from %s\n", ctid, strcmp(args[0], "-") ? args[0] : "standard input");
	return 0;
}

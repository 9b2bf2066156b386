/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate, and its destination's half migrate-check */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctbackup.h"
#include "error.h"
#include "json.h"
#include "migonline.h"
#include "migrate.h"
#include "util.h"

static const struct cli_opt migrate_opts[] = {
	{'r', "remove-src", 0, NULL, "destroy the source container once it runs there (the default)", false},
	{'k', "keep-src", 0, NULL, "keep the source container, stopped and disabled", false},
	{'K', "keep-dst", 0, NULL, "keep the destination's container when it did not start there", false},
	{'o', "online", 0, NULL, "move a running container with its processes (CRIU checkpoint and restore)", false},
	{'P', "no-precopy", 0, NULL, "no first pass of its files while it runs: all of them are copied while it is down",
	 false},
	{'j', "json", 'j', NULL, "print a JSON line: ctid, dest, mode, was_running, downtime, frozen, seconds, source",
	 false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_migrate = {"migrate",
				    cmd_migrate,
				    "CTID DEST",
				    migrate_opts,
				    CLI_CTID,
				    "Move the container to host DEST ([user@]host[:port]) over ssh, offline or --online."};

static void precopy_line(const struct migrate_result *res)
{
	if (res->precopy)
		printf("Pre-copy while it ran: %llu files, %.1f MiB in %.3f s; the final pass left out %llu of them "
		       "(%.1f MiB) that had not changed\n",
		       (unsigned long long)res->precopy_files, (double)res->precopy_bytes / 1048576.0, res->t_precopy,
		       (unsigned long long)res->unchanged_files, (double)res->unchanged_bytes / 1048576.0);
}

int cmd_migrate(struct gconf *g, int argc, char **argv)
{
	static const char use[] =
		"usage: cellctl migrate CTID DEST [--keep-src|--remove-src] [--keep-dst] [--online] [--no-precopy] [-j]";
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, use);
	unsigned ctid;
	int r = cli_ctid(g, argv[1], &ctid);
	if (r < 0)
		return r;
	struct migrate_opts o = {0};
	const char *dest = NULL;
	bool json = false;
	struct cli_parse p;
	cli_parse_init(&p, &cli_migrate, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'r':
			o.keep_src = false;
			break;
		case 'k':
			o.keep_src = true;
			break;
		case 'K':
			o.keep_dst = true;
			break;
		case 'o':
			o.online = true;
			break;
		case 'P':
			o.no_precopy = true;
			break;
		case 'j':
			json = true;
			break;
		case CLI_ARG:
			if (dest)
				return cli_usage("migrate: one DEST ('%s' is one too many)", v);
			dest = v;
			break;
		default:
			return r;
		}
	}
	if (!dest)
		return cerr(EX_NOTENOUGH, 0, use);
	struct migrate_result res;
	if ((r = ct_migrate(g, ctid, dest, &o, &res)) < 0)
		return r;
	if (json) {
		struct json j;
		json_init(&j);
		json_obj(&j);
		json_key(&j, "ctid");
		json_u64(&j, ctid);
		json_key(&j, "dest");
		json_str(&j, dest);
		json_key(&j, "mode");
		json_str(&j, res.online ? "online" : "offline");
		json_key(&j, "was_running");
		json_bool(&j, res.was_running);
		json_key(&j, "downtime");
		json_numf(&j, "%.3f", res.downtime);
		if (res.online) {
			json_key(&j, "frozen");
			json_numf(&j, "%.3f", res.downtime);
			json_key(&j, "checkpoint");
			json_numf(&j, "%.3f", res.t_stop);
			json_key(&j, "restore");
			json_numf(&j, "%.3f", res.t_start);
		}
		json_key(&j, "seconds");
		json_numf(&j, "%.3f", res.seconds);
		json_key(&j, "stop");
		json_numf(&j, "%.3f", res.t_stop);
		json_key(&j, "copy");
		json_numf(&j, "%.3f", res.t_copy);
		json_key(&j, "start");
		json_numf(&j, "%.3f", res.t_start);
		json_key(&j, "usage_kib");
		json_u64(&j, res.usage_kib);
		json_key(&j, "precopy");
		json_bool(&j, res.precopy);
		if (res.precopy_failed) {
			json_key(&j, "precopy_failed");
			json_bool(&j, true);
		}
		if (res.precopy) {
			json_key(&j, "precopy_seconds");
			json_numf(&j, "%.3f", res.t_precopy);
			json_key(&j, "precopy_files");
			json_u64(&j, res.precopy_files);
			json_key(&j, "precopy_bytes");
			json_u64(&j, res.precopy_bytes);
			json_key(&j, "unchanged_files");
			json_u64(&j, res.unchanged_files);
			json_key(&j, "unchanged_bytes");
			json_u64(&j, res.unchanged_bytes);
		}
		json_key(&j, "source");
		json_str(&j, res.src_kept ? "kept" : "destroyed");
		json_end(&j);
		_cleanup_free_ char *text = json_done(&j);
		fputs(text, stdout);
	} else if (res.online) {
		precopy_line(&res);
		printf("Container %u migrated to %s online: its processes run on there; the source is %s\n", ctid, dest,
		       res.src_kept ? "kept here, stopped and disabled" : "destroyed");
		printf("Frozen: %.3f s (checkpoint here to running there: checkpoint %.3f, copy %.3f, restore there "
		       "%.3f); %.3f s in all\n",
		       res.downtime, res.t_stop, res.t_copy, res.t_start, res.seconds);
	} else {
		if (res.online_offline)
			printf("Container %u is not running: --online migrates it offline\n", ctid);
		printf("Container %u migrated to %s%s; the source is %s\n", ctid, dest, res.was_running ? " and started" : "",
		       res.src_kept ? "kept here, stopped and disabled" : "destroyed");
		precopy_line(&res);
		if (res.was_running)
			printf("Downtime: %.3f s (stopped here to running there: stop %.3f, copy %.3f, start %.3f); "
			       "%.3f s in all\n",
			       res.downtime, res.t_stop, res.t_copy, res.t_start, res.seconds);
	}
	return 0;
}

static const struct cli_opt check_opts[] = {
	{'j', "json", 'j', NULL, "print the answer as JSON (what migrate reads)", false},
	{'o', "online", 0, NULL, "also: can CRIU restore a checkpoint here (exit 5 when not)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_migrate_check =
	{"migrate-check",
	 cmd_migrate_check,
	 "CTID [CONF|-]",
	 check_opts,
	 CLI_CTID | CLI_HIDDEN,
	 "(plumbing, run by migrate on the destination) may container CTID, with config CONF, come here?"};

/* All of fd (at most 1 MiB). */
static int slurp(int fd, char **out)
{
	struct strbuf sb = {0};
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(sb_done(&sb));
			return cerr(EX_SYSTEM, errno, "read the config");
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > (1u << 20)) {
			free(sb_done(&sb));
			return cerr(EX_BADCONFIG, 0, "the config is over 1 MiB");
		}
		sb_addn(&sb, buf, (size_t)n);
	}
	*out = sb_done(&sb);
	return 0;
}

int cmd_migrate_check(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl migrate-check CTID [CONF|-] [-j]");
	unsigned ctid;
	int r = cli_ctid(NULL, argv[1], &ctid);
	if (r < 0)
		return r;
	const char *conf = NULL;
	bool json = false, online = false;
	struct cli_parse p;
	cli_parse_init(&p, &cli_migrate_check, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'j':
			json = true;
			break;
		case 'o':
			online = true;
			break;
		case CLI_ARG:
			if (conf)
				return cli_usage("migrate-check: one CONF ('%s' is one too many)", v);
			conf = v;
			break;
		default:
			return r;
		}
	}
	_cleanup_free_ char *text = NULL;
	if (conf && !strcmp(conf, "-") && isatty(STDIN_FILENO))
		return cerr(EX_BADVALUE, 0, "migrate-check: CONF - reads the config from standard input, a terminal here");
	if (conf) {
		_cleanup_close_ int fd = strcmp(conf, "-") ? open(conf, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
		if (fd < 0)
			return cerr(EX_NOCONF, errno, "%s", conf);
		if ((r = slurp(fd, &text)) < 0)
			return r;
	}
	struct mig_check mc;
	if ((r = mig_check_local(g, ctid, text ? text : "", &mc)) < 0 || (online && (r = mig_check_online()) < 0))
		return r;
	if (json) {
		struct json j;
		json_init(&j);
		json_obj(&j);
		json_key(&j, "version");
		json_str(&j, PACKAGE_VERSION);
		json_key(&j, "format");
		json_u64(&j, mc.format);
		json_key(&j, "ctid");
		json_u64(&j, ctid);
		json_key(&j, "free_kib");
		json_u64(&j, mc.free_kib);
		json_key(&j, "precopy"); /* migrate-precopy and restore-backup --precopy are here */
		json_u64(&j, 1);
		json_end(&j);
		_cleanup_free_ char *out = json_done(&j);
		fputs(out, stdout);
	} else {
		printf("Container %u may come here%s: cellctl %s, backup format %u, %llu KiB free\n", ctid,
		       online ? " online" : "", PACKAGE_VERSION, mc.format, (unsigned long long)mc.free_kib);
	}
	return 0;
}

static const struct cli_opt restore_opts[] = {
	{'e', "enable", 0, NULL, "set the container's disabled no first (its config travelled disabled)", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_migrate_restore = {
	"migrate-restore", cmd_migrate_restore, "CTID", restore_opts, CLI_CTID | CLI_HIDDEN,
	"(plumbing, run by migrate --online on the destination) restore CTID from the checkpoint on stdin"};

int cmd_migrate_restore(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl migrate-restore CTID [--enable] < IMAGES");
	unsigned ctid;
	int r = cli_ctid(NULL, argv[1], &ctid);
	if (r < 0)
		return r;
	bool enable = false;
	struct cli_parse p;
	cli_parse_init(&p, &cli_migrate_restore, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'e':
			enable = true;
			break;
		case CLI_ARG:
			return cli_usage("migrate-restore: unexpected argument '%s'", v);
		default:
			return r;
		}
	}
	if (isatty(STDIN_FILENO))
		return cerr(EX_BADVALUE, 0, "migrate-restore reads a checkpoint from standard input, a terminal here");
	if ((r = ct_migrate_restore(g, ctid, STDIN_FILENO, enable)) < 0)
		return r;
	printf("Container %u restored from the checkpoint received\n", ctid);
	return 0;
}

static const struct cli_opt precopy_opts[] = {
	{'a', "abort", 0, NULL, "only remove what a pre-copy of CTID left here", false},
	{0, NULL, 0, NULL, NULL, false},
};
const struct cli_cmd cli_migrate_precopy = {
	"migrate-precopy", cmd_migrate_precopy, "CTID TOKEN", precopy_opts, CLI_CTID | CLI_HIDDEN,
	"(plumbing, run by migrate on the destination) receive the first pass of CTID's files from stdin"};

int cmd_migrate_precopy(struct gconf *g, int argc, char **argv)
{
	if (argc < 2)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl migrate-precopy CTID TOKEN [--abort] < STREAM");
	unsigned ctid;
	int r = cli_ctid(NULL, argv[1], &ctid);
	if (r < 0)
		return r;
	bool abort_only = false;
	const char *token = NULL;
	struct cli_parse p;
	cli_parse_init(&p, &cli_migrate_precopy, argc, argv, 2);
	const char *v;
	while ((r = cli_next(&p, &v)) != CLI_END) {
		switch (r) {
		case 'a':
			abort_only = true;
			break;
		case CLI_ARG:
			if (token)
				return cli_usage("migrate-precopy: unexpected argument '%s'", v);
			token = v;
			break;
		default:
			return r;
		}
	}
	if (!token)
		return cerr(EX_NOTENOUGH, 0, "usage: cellctl migrate-precopy CTID TOKEN [--abort] < STREAM");
	if (!abort_only && isatty(STDIN_FILENO))
		return cerr(EX_BADVALUE, 0, "migrate-precopy reads a stream from standard input, a terminal here");
	return ct_precopy_receive(g, ctid, token, abort_only);
}

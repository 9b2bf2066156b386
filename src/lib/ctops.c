/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctops.h"
#include "quota.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <uuid/uuid.h>

#include "bindmnt.h"
#include "cgroup.h"
#include "ctcleanup.h"
#include "ctname.h"
#include "ctnet.h"
#include "ctown.h"
#include "error.h"
#include "hooks.h"
#include "hooks_guest.h"
#include "fsutil.h"
#include "idmap.h"
#include "idshift.h"
#include "lock.h"
#include "log.h"
#include "monitor.h"
#include "sockact.h"
#include "sockwait.h"
#include "netlink.h"
#include "phase.h"
#include "state.h"
#include "template.h"
#include "tplcache.h"
#include "tpltree.h"
#include "util.h"

static volatile int create_cancel;
static void on_cancel(int sig)
{
	(void)sig;
	create_cancel = 1;
}


static char *private_path(const struct gconf *g, unsigned ctid)
{
	return xasprintf("%s/%u", g->private_dir, ctid);
}

bool ct_has_init(const char *root)
{
	_cleanup_close_ int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	return guest_exists(fd, "/sbin/init") || guest_exists(fd, "/etc/init") || guest_exists(fd, "/bin/init");
}

/* private_dir/.CTID.destroying: a private area on its way out (destroy renames it there first). */
static char *destroying_name(unsigned ctid)
{
	return xasprintf(".%u.destroying", ctid);
}

/* A destroy of ctid was interrupted (SIGKILL, power cut) after it renamed the private area away:
 * the container is gone for status; finish the job (we hold the CT lock). */
static void finish_destroy(const struct gconf *g, unsigned ctid, int dfd)
{
	_cleanup_free_ char *name = destroying_name(ctid);
	if (faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	_cleanup_free_ char *root = private_path(g, ctid);
	if (access(cpath, F_OK) == 0 && access(root, F_OK) < 0) {
		_cleanup_free_ char *dest = xasprintf("%s.destroyed", cpath);
		quota_ct_remove(g, ctid);
		if (rename(cpath, dest) < 0)
			log_warn("finish the interrupted destroy of container %u: rename %s: %m", ctid, cpath);
	}
	log_info("removing the private area of an interrupted destroy: %s/%s", g->private_dir, name);
	struct cerr_saved es;
	cerr_save(&es); /* what is left is removed by the next command: not this one's error */
	if (fs_remove_tree(dfd, name) < 0)
		log_warn("%s", cerr_msg() ? cerr_msg() : "cannot remove the rest of an interrupted destroy");
	cerr_restore(&es);
}

/* Remove leftovers of an interrupted create or destroy of this CTID (we hold its lock). */
static void remove_partials(const struct gconf *g, unsigned ctid)
{
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	char name[64];
	snprintf(name, sizeof(name), ".%u.partial", ctid);
	if (faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		log_info("removing the leftovers of an interrupted create: %s/%s", g->private_dir, name);
		fs_remove_tree(dfd, name);
	}
	finish_destroy(g, ctid, dfd);
}

/* Layout overlay: the private area dir (empty, 0700) gets the container's upper layer (its top
 * with the tree top's mode and owner, shifted), overlayfs's work dir (root's), and the empty mount
 * points of the tree's idmapped bind and of the merged root (mounts.c). Nothing of the template
 * is copied. */
static int overlay_private(const struct gconf *g, const struct ct_config *c, const char *dir)
{
	_cleanup_free_ char *tree = tpl_tree_path(g, c->template_tree);
	struct stat ts;
	if (stat(tree, &ts) < 0)
		return cerr(EX_SYSTEM, errno, "template tree %s", tree);
	uint32_t shift = c->userns ? c->uid_base : 0;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", dir);
	if (fchmod(dfd, 0700) < 0)
		return cerr(EX_SYSTEM, errno, "chmod %s", dir);
	static const struct {
		const char *name;
		mode_t mode;
	} dirs[] = {{CT_OVL_UPPER, 0755}, {CT_OVL_WORK, 0700}, {CT_OVL_LOWER, 0700}, {CT_OVL_ROOT, 0700}};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(dfd, dirs[i].name, dirs[i].mode) < 0)
			return cerr(EX_SYSTEM, errno, "create %s/%s", dir, dirs[i].name);
	_cleanup_close_ int ufd = openat(dfd, CT_OVL_UPPER, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* the tree's ids are not checked against the block (a tree serves every container): an
	 * owner outside it gives the upper layer's top to the container's root */
	uid_t uid = c->userns && ts.st_uid >= c->uid_size ? 0 : ts.st_uid;
	gid_t gid = c->userns && ts.st_gid >= c->uid_size ? 0 : ts.st_gid;
	if (ufd < 0 || fchown(ufd, shift + uid, shift + gid) < 0 || fchmod(ufd, ts.st_mode & 07777) < 0)
		return cerr(EX_SYSTEM, errno, "set up the upper layer %s/" CT_OVL_UPPER, dir);
	return 0;
}

/* [container] ownership of a new copy layout container with a user namespace, whose .partial dir
 * is dir: given (the command line or the sample), or mapped where dir's filesystem can be
 * idmapped, else shifted. Mapped needs private_dir closed to host users (0700): the
 * container-relative ids on disk are theirs too. */
static int choose_ownership(const struct gconf *g, struct ct_config *c, const char *dir)
{
	bool forced = c->ownership != NULL;
	if (forced && strcmp(c->ownership, "mapped") != 0)
		return 0;
	const char *why = NULL;
	uint64_t t0 = now_ms();
	bool ok = idmap_probe(dir, c->uid_base, c->uid_size, &why) == 1;
	log_debug("idmapped mount probe of %s: %s (%llu ms)", g->private_dir, ok ? "supported" : why,
		  (unsigned long long)(now_ms() - t0));
	if (!ok && forced)
		return cerr(EX_BADKERNEL, 0,
			    "--ownership mapped: %s cannot be idmapped: %s (ext4, XFS and btrfs can; tmpfs from "
			    "Linux 6.3): use --ownership shifted",
			    g->private_dir, why);
	if (!ok) {
		log_info("%s cannot be idmapped (%s): the private area of container %u is shifted on disk "
			 "(ownership shifted)",
			 g->private_dir, why, c->ctid);
		return param_set(c, param_find("ownership"), "shifted");
	}
	struct stat st;
	if (stat(g->private_dir, &st) < 0)
		return cerr(EX_SYSTEM, errno, "stat %s", g->private_dir);
	if ((st.st_mode & 077) && chmod(g->private_dir, 0700) < 0)
		return cerr(EX_SYSTEM, errno, "chmod 0700 %s", g->private_dir);
	if (st.st_mode & 077)
		log_info("%s is now mode 0700: the ids on disk of a container with ownership mapped are host "
			 "users' ids too",
			 g->private_dir);
	return param_set(c, param_find("ownership"), "mapped");
}

/* Layout copy from a layer template: the merged tree of its stack, copied into dir with the
 * template's container-relative ids moved by shift (tplcache.h: tpl_layer_copy). */
static int layer_copy(const struct gconf *g, const struct ct_config *c, const char *tname, const char *archive,
		      const char *dir, uint32_t shift)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_SYSTEM, errno, "open %s", dir);
	struct idshift m = {0};
	if (shift && idshift_add(&m, 0, shift, c->uid_size) < 0)
		return cerr(EX_SYSTEM, EINVAL, "the id block %u+%u", shift, c->uid_size);
	return tpl_layer_copy(g, tname, archive, dfd, shift ? &m : NULL, &create_cancel);
}

/* Neither --layout nor the sample chose: overlay where this host can ([defaults] layout), else a
 * full copy; the choice is recorded either way, and a fallback says why. */
static int choose_layout(const struct gconf *g, struct ct_config *c)
{
	const char *why = "[defaults] layout = copy";
	/* the first create on a host makes private_dir: its file system is the one that counts */
	int r = g->layout_copy ? 0 : mkdir_p(g->private_dir, 0700);
	if (r < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->private_dir);
	bool ovl = !g->layout_copy && tpl_overlay_usable(g, c->userns, c->uid_base, c->uid_size, &why);
	if (!ovl && !g->layout_copy)
		log_warn("layout copy: overlay is not usable here (%s)", why);
	return param_set(c, param_find("layout"), ovl ? "overlay" : "copy");
}

/* c's id block, reserved for ctid in res and recorded as its uid_base (none without userns) */
static int ct_reserve_block(const struct gconf *g, struct ct_config *c, unsigned ctid, struct idmap_res *res)
{
	if (!c->userns)
		return 0;
	uint32_t base;
	int r = idmap_reserve(g, ctid, &base, res);
	if (r < 0)
		return r;
	char b[16];
	snprintf(b, sizeof(b), "%u", base);
	return param_set(c, param_find("uid_base"), b);
}

int ct_claim_identity(const struct gconf *g, struct ct_config *c, unsigned ctid, struct idmap_res *res, bool net)
{
	int r;
	if (c->name && (r = ct_name_check(g, ctid, c->name)) < 0)
		return r;
	if ((r = bmnt_check_new(g, NULL, c, true)) < 0) /* bind mounts: their host directories */
		return r;
	quota_ct_assign(c); /* [container] quota_id: the project ID */
	if ((r = ct_reserve_block(g, c, ctid, res)) < 0)
		return r;
	if (net && ((r = ct_check_net_conflicts(g, c)) < 0 || (r = net_check_bridges(g, c)) < 0))
		return r;
	return 0;
}

int ct_place_new(struct ct_config *c, const char *tmp, const char *root, bool mark, bool *placed)
{
	/* the private area carries a marker until its config exists: a create killed in between
	 * leaves something the next create recognises and removes */
	*placed = false;
	if (mark) {
		_cleanup_free_ char *tmarker = xasprintf("%s/" CREATING_MARKER, tmp);
		int mfd = open(tmarker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (mfd < 0)
			return cerr(EX_SYSTEM, errno, "create %s", tmarker);
		close(mfd);
	}
	if (rename(tmp, root) < 0)
		return cerr(EX_SYSTEM, errno, "rename %s to %s", tmp, root);
	*placed = true;
	int r = ctconf_save(c);
	if (r < 0)
		return r;
	_cleanup_free_ char *marker = xasprintf("%s/" CREATING_MARKER, root);
	if (mark && unlink(marker) < 0)
		log_warn("remove %s: %m", marker);
	return 0;
}

int ct_claim_new(const struct gconf *g, unsigned ctid)
{
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	_cleanup_free_ char *root = private_path(g, ctid);
	remove_partials(g, ctid);
	if (access(cpath, F_OK) == 0)
		return cerr(EX_PRIVEXISTS, 0, "container %u already exists (%s)", ctid, cpath);
	ct_ownership_forget(g, ctid); /* of a container of this CTID destroyed meanwhile */
	_cleanup_free_ char *marker = xasprintf("%s/" CREATING_MARKER, root);
	if (access(marker, F_OK) == 0) {
		/* killed between placing the private area and writing its config: not a container */
		_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char name[16];
		snprintf(name, sizeof(name), "%u", ctid);
		log_info("removing the private area of an interrupted create: %s", root);
		if (dfd >= 0)
			fs_remove_tree(dfd, name);
	}
	if (access(root, F_OK) == 0)
		return cerr(EX_PRIVEXISTS, 0, "private area %s already exists", root);
	return 0;
}

int ct_create(const struct gconf *g, unsigned ctid, const struct create_opts *o)
{
	uint64_t t0 = now_ms();
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "create", &lk);
	if (r < 0)
		return r;
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	_cleanup_free_ char *root = private_path(g, ctid);
	if ((r = ct_claim_new(g, ctid)) < 0)
		return r;

	const char *tname = o->ostemplate ? o->ostemplate : g->default_template;
	if (!tname || !tpl_name_ok(tname))
		return cerr(EX_NOTEMPLATE, 0, "invalid template name '%s'", tname ? tname : "");
	_cleanup_free_ char *archive = tpl_find(g, tname);
	if (!archive)
		return cerr(EX_NOTEMPLATE, 0, "template %s not found in %s/cache (try: cellctl template build %s)", tname,
			    g->template_dir, tname);

	const char *sample = o->sample ? o->sample : g->default_sample;
	_cleanup_conf_ struct ct_config *c = NULL;
	if ((r = sample ? ctconf_load_sample(g, ctid, sample, &c) : ctconf_from_text(g, ctid, cpath, NULL, &c)) < 0)
		return r;
	/* what create records goes through the parameter table, as set would write it */
	uuid_t u;
	char ustr[40];
	uuid_generate(u);
	uuid_unparse_lower(u, ustr);
	if ((r = param_set(c, param_find("uuid"), ustr)) < 0 || (r = param_set(c, param_find("ostemplate"), tname)) < 0 ||
	    (sample && (r = param_set(c, param_find("origin_sample"), sample)) < 0))
		return r;
	if (o->userns >= 0)
		c->userns = o->userns;
	if ((r = param_set(c, param_find("userns"), c->userns ? "yes" : "no")) < 0)
		return r;
	if (o->apply && (r = o->apply(c, o->arg)) < 0)
		return r;
	/* the id block stays ours from allocation until the config is written: reserved under the
	 * global idmap lock, which is not held while the template unpacks */
	_cleanup_(idmap_release) struct idmap_res idres = IDMAP_RES_INIT;
	if ((r = ct_claim_identity(g, c, ctid, &idres, true)) < 0)
		return r;
	if (!c->layout && (r = choose_layout(g, c)) < 0)
		return r;
	const bool overlay = ctconf_overlay(c);
	if (c->ownership && (overlay || !c->userns))
		return cerr(EX_BADVALUE, 0, "--ownership applies to layout copy with a user namespace only%s",
			    overlay ? " (the upper layer of layout overlay is always shifted)" : "");
	/* overlay: the tree is made (once) and named in the config under the trees' lock, which
	 * prune takes too: a tree a create is about to name is never removed */
	_cleanup_lock_ struct ct_lock tlk = CT_LOCK_INIT;
	if (overlay && (r = tpl_tree_lock(g, &tlk)) < 0)
		return r;
	if ((r = mkdir_p(g->private_dir, 0700)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->private_dir);
	if ((r = mkdir_p(g->config_dir, 0755)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->config_dir);
	_cleanup_free_ char *tmp = xasprintf("%s/.%u.partial", g->private_dir, ctid);
	if (mkdir(tmp, 0755) < 0)
		return cerr(EX_SYSTEM, errno, "create %s", tmp);
	struct sigaction sa = {.sa_handler = on_cancel}, old[3];
	const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	struct tpl_extract_opts xo = {.uid_shift = c->userns ? c->uid_base : 0,
				      .uid_size = c->userns ? c->uid_size : 0,
				      .cancel = &create_cancel};
	/* project ID + inherit flag on the empty top dir first: everything unpacked inherits it */
	r = quota_ct_setup(g, c, tmp);
	if (r == 0 && !overlay && c->userns && (r = choose_ownership(g, c, tmp)) == 0)
		xo.uid_shift = ctconf_disk_root(c); /* mapped: container-relative, ids still checked */
	if (r == 0 && overlay) {
		_cleanup_free_ char *tree = NULL;
		bool made = false;
		uint64_t tx = now_ms();
		r = tpl_tree_for(g, tname, archive, &create_cancel, &tree, &made);
		if (r == 0)
			r = param_set(c, param_find("template_tree"), tree);
		if (r == 0 && made)
			t0 += now_ms() - tx; /* the extraction is reported by itself: not counted below */
		if (r == 0)
			r = overlay_private(g, c, tmp);
	} else if (r == 0 && tpl_is_layer(g, tname)) {
		r = layer_copy(g, c, tname, archive, tmp, xo.uid_shift);
	} else if (r == 0) {
		r = tpl_extract(archive, tmp, &xo);
	}
	if (r == -EINTR)
		cerr_replace(EX_SYSTEM, EINTR, "create of container %u interrupted", ctid);
	if (r == 0 && !overlay && !ct_has_init(tmp))
		r = cerr(EX_BADTEMPLATE, 0, "template %s has no init (/sbin/init, /etc/init or /bin/init)", tname);
	bool placed = false;
	if (r == 0)
		r = ct_place_new(c, tmp, root, true, &placed);
	if (r < 0 && placed) {
		_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char name[16];
		snprintf(name, sizeof(name), "%u", ctid);
		if (dfd >= 0)
			fs_remove_tree(dfd, name);
	}
	if (r < 0) {
		_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char name[64];
		snprintf(name, sizeof(name), ".%u.partial", ctid);
		if (dfd >= 0)
			fs_remove_tree(dfd, name);
		quota_ct_remove(g, ctid);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (r < 0)
		return r;
	log_set_ctid(ctid);
	log_file_only("Container created from template %s%s%s%s", tname, c->userns ? "" : " (no user namespace)",
		      overlay ? " (layout overlay)" : "", ctconf_mapped(c) ? " (ownership mapped)" : "");
	log_debug("container %u created in %llu ms", ctid, (unsigned long long)(now_ms() - t0));
	/* onconnect: stopped from birth, so its waiter holds its sockets */
	if (c->onconnect && c->listen && sockwait_sync(g, ctid) < 0) {
		log_warn("container %u is created, but its waiter did not start: %s", ctid,
			 cerr_msg() ? cerr_msg() : "unknown error");
		cerr_clear();
	}
	return 0;
}

int ct_apply_limits(const struct gconf *g, const struct cg_paths *cg, const struct ct_config *c, bool live)
{
	_cleanup_free_ char *root = private_path(g, c->ctid);
	int r = cg_backend(cg->mode)->apply(cg, c, root, live);
	return r < 0 ? cerr_wrap(r, 0, "applying the limits of CT %u", c->ctid) : 0;
}

/* A state file whose init is gone: wait briefly for a monitor that is still cleaning up, then
 * clean up ourselves (only the cgroups recorded in it: one that is not, e.g. of another
 * installation, is left alone with a warning, and is not this command's error). A monitor that is
 * still alive after that is at work without the CT lock (rebooting its guest, or a cleanup that
 * takes long): EX_LOCKED, and nothing is touched, so that no start or destroy races it. */
static int clear_stale(const struct gconf *g, unsigned ctid)
{
	struct cerr_saved es;
	cerr_save(&es);
	struct ct_state st;
	int r = 0;
	if (state_read(g, ctid, &st) < 0) {
		/* no state: only a start killed before it recorded its cgroups leaves anything, and a
		 * monitor killed between the two unlinks of its cleanup its socket */
		enum cg_mode mode;
		struct cg_paths cg;
		if (cg_detect(&mode) == 0 && cg_resolve(g, ctid, &cg) == 0)
			cg_remove_leftovers(&cg);
		int k = monitor_sock_clear_stale(g, ctid);
		if (k > 0)
			log_info("removed the socket of a dead monitor of container %u", ctid);
		else if (k == -EBUSY)
			log_warn("container %u has no state file, but a process listens on its monitor socket", ctid);
	} else {
		/* until it exits, or has booted the guest again (a reboot from inside) */
		for (int i = 0; i < 100 && proc_alive(st.monitor_pid, st.monitor_start) && !ct_running(g, ctid, NULL);
		     i++)
			usleep(50000);
		if (proc_alive(st.monitor_pid, st.monitor_start))
			r = -EBUSY;
		else if (ct_cleanup(g, ctid, &st.cg, NULL) < 0)
			log_warn("%s", cerr_msg() ? cerr_msg() : "cannot clean up after the container's last run");
	}
	cerr_restore(&es);
	if (r < 0 && ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running (its guest rebooted meanwhile)", ctid);
	if (r < 0)
		return cerr(EX_LOCKED, 0,
			    "container %u: its monitor (pid %d) is still at work (a reboot of the guest, or a cleanup): "
			    "try again",
			    ctid, (int)st.monitor_pid);
	return 0;
}

static int stop_locked(const struct gconf *g, unsigned ctid, bool fast, int timeout_s);

int ct_start(const struct gconf *g, unsigned ctid, bool force)
{
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "start", &lk);
	if (r < 0)
		return r;
	phase_mark("start.lock");
	remove_partials(g, ctid); /* a half-done destroy is finished: then there is nothing to start */
	_cleanup_conf_ struct ct_config *c = NULL;
	if ((r = ctconf_load(g, ctid, &c)) < 0)
		return r;
	phase_mark("start.config");
	if (c->disabled && !force)
		return cerr(EX_DISABLED, 0, "container %u is disabled (set --disabled no, or start --force)", ctid);
	if (ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is already running", ctid);
	if ((r = clear_stale(g, ctid)) < 0)
		return r;
	if ((r = ct_ownership_resume(g, c)) < 0) /* never start half converted */
		return r;
	if (c->nnetif && (r = ct_check_net_conflicts(g, c)) < 0)
		return r;
	if (c->listen && (r = sockact_check_conflicts(g, c)) < 0)
		return r;
	for (unsigned i = 0; i < c->nbinds; i++) /* before anything is made: a clean refusal */
		if ((r = bmnt_check(g, c, &c->binds[i], EX_CANTMOUNT)) < 0)
			return r;
	_cleanup_free_ char *root = private_path(g, ctid);
	struct stat st;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return cerr(EX_NOPRIVATE, errno ? errno : ENOTDIR, "private area %s", root);
	if (ctconf_overlay(c)) {
		if (!c->template_tree || !*c->template_tree)
			return cerr(EX_BADCONFIG, 0, "container %u has layout overlay but no template_tree in %s", ctid,
				    c->path);
		_cleanup_free_ char *tree = tpl_tree_path(g, c->template_tree);
		if (stat(tree, &st) < 0 || !S_ISDIR(st.st_mode))
			return cerr(EX_NOPRIVATE, errno ? errno : ENOTDIR, "the template tree %s of container %u", tree,
				    ctid);
		/* a layer's tree: the trees below it too (tpl_tree_chain names a missing one) */
		char **stack = NULL;
		unsigned n = 0;
		if ((r = tpl_tree_chain(g, c->template_tree, &stack, &n)) < 0)
			return cerr_wrap(r, 0, "container %u", ctid);
		for (unsigned i = 0; i < n; i++)
			free(stack[i]);
		free(stack);
	}
	phase_mark("start.checks");
	if ((r = quota_ct_ensure(g, c)) < 0)
		return r;
	phase_mark("start.quota");
	if ((r = mkdir_p(g->run_dir, 0700)) < 0)
		return cerr(EX_SYSTEM, r, "create %s", g->run_dir);
	/* before anything of the run exists: a failure leaves nothing to undo */
	log_set_ctid(ctid);
	if ((r = hooks_run_host(g, c, HOOK_PREMOUNT, -1)) < 0)
		return r;

	enum cg_mode mode;
	static struct cg_paths cg; /* the monitor keeps pointing at it */
	if ((r = cg_detect(&mode)) < 0 || (r = cg_resolve(g, ctid, &cg)) < 0)
		return r;
	const struct cg_ops *ops = cg_backend(cg.mode);
	if ((r = ops->create(&cg)) < 0)
		goto fail;
	phase_mark("start.cgcreate");
	/* from here on a state file records what this start made (its cgroups, by identity), naming
	 * this process until the monitor takes over: a start killed now leaves something the next
	 * command for this CTID cleans up (clear_stale), not cgroups nobody knows about */
	{
		struct ct_state early = {.monitor_pid = getpid(), .userns = c->userns, .uid_base = c->uid_base, .cg = cg};
		proc_starttime(early.monitor_pid, &early.monitor_start);
		if ((r = state_write(g, ctid, &early)) < 0)
			goto fail;
	}
	phase_mark("start.state");
	if ((r = ct_apply_limits(g, &cg, c, false)) < 0)
		goto fail;
	phase_mark("start.limits");
	if (c->userns && (r = cg_delegate(&cg, c->uid_base, c->uid_base)) < 0)
		goto fail;
	phase_mark("start.delegate");
	log_set_ctid(ctid);
	uint64_t t0 = now_ms();
	/* no cgroup move of start waits for the threadgroup lock's grace period: the monitor is
	 * forked into its unified cgroup, it and init move themselves into the v1 ones by "0" into
	 * tasks, init is cloned into its unified cgroup */
	if ((r = monitor_launch(g, c, &cg, root, lk.fd)) < 0)
		goto undo;
	phase_mark("start.reported"); /* the monitor has undone its part already (unless it died): its error stands */
	log_debug("container %u started in %llu ms", ctid, (unsigned long long)(now_ms() - t0));
	if (hooks_present(g, ctid, HOOK_START) && (r = hooks_run_guest(g, c, HOOK_START)) < 0) {
		/* as vzctl: the start fails, and the container is stopped (by kill, with its umount
		 * and postumount scripts) */
		struct cerr_saved es;
		cerr_save(&es);
		log_warn("container %u: its start script failed: stopping it", ctid);
		if (stop_locked(g, ctid, true, 0) < 0)
			log_warn("%s", cerr_msg() ? cerr_msg() : "cannot stop the container");
		cerr_restore(&es);
		return r;
	}
	return 0;
fail:
	/* whatever step noticed it: another start of this CTID in the same place removed our cgroups
	 * as left behind (it found them before our init was in them), and runs there now */
	if (cg_lost(&cg))
		cerr_replace(EX_CGFOREIGN, 0,
			     "the cgroups of container %u were removed or replaced meanwhile by another start "
			     "(another installation's container with the same CTID and [cgroup] parent?)",
			     ctid);
undo:
	/* only what this start created: a cgroup it refused (in use) has no identity in cg */
	ops->kill(&cg, 2000);
	ops->destroy(&cg);
	state_remove(g, ctid);
	return r;
}

static bool wait_pidfd(int pidfd, int timeout_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left < 0)
			left = 0;
		int r = poll(&p, 1, left);
		if (r > 0)
			return true;
		if (r == 0)
			return false;
		if (errno != EINTR)
			return false;
	}
}

int ct_stop(const struct gconf *g, unsigned ctid, bool fast, int timeout_s)
{
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "stop", &lk);
	if (r < 0)
		return r;
	phase_mark("stop.lock");
	log_set_ctid(ctid);
	return stop_locked(g, ctid, fast, timeout_s);
}

/* A failing stop, umount or postumount script is logged, never the stop's error. */
static void stop_hook(const struct gconf *g, const struct ct_config *c, enum hook_phase ph, int rootfd)
{
	if (!c || !hooks_present(g, c->ctid, ph))
		return;
	struct cerr_saved es;
	cerr_save(&es);
	int r = hook_inside(ph) ? hooks_run_guest(g, c, ph) : hooks_run_host(g, c, ph, rootfd);
	if (r < 0)
		log_warn("%s", cerr_msg() ? cerr_msg() : "action script failed");
	cerr_restore(&es);
}

static int stop_locked(const struct gconf *g, unsigned ctid, bool fast, int timeout_s)
{
	int r;
	struct ct_state st;
	if (!ct_running(g, ctid, &st)) {
		if ((r = clear_stale(g, ctid)) == 0)
			return cerr(EX_NOTRUNNING, 0, "container %u is not running", ctid);
		/* its monitor is still at work: a guest reboot that has finished by now is stopped */
		if (!ct_running(g, ctid, &st))
			return r;
		cerr_clear();
	}
	/* an unreadable config still stops, with the global timeout and no action scripts; --fast
	 * needs it only for the umount and postumount scripts (no timeout, no stop script) */
	_cleanup_conf_ struct ct_config *c = NULL;
	if (!fast || hooks_present(g, ctid, HOOK_UMOUNT) || hooks_present(g, ctid, HOOK_POSTUMOUNT)) {
		struct cerr_saved es;
		cerr_save(&es);
		if (ctconf_load(g, ctid, &c) < 0)
			c = NULL;
		cerr_restore(&es);
	}
	if (timeout_s < 0)
		timeout_s = c ? (int)c->stop_timeout : (int)g->stop_timeout;
	/* a suspended container is thawed first: frozen, its init would never see the power-off
	 * signal, nor its processes their SIGTERM */
	const struct cg_ops *fops = cg_backend(st.cg.mode);
	if (fops->frozen && fops->frozen(&st.cg) == 1) {
		log_info("container %u is suspended: resuming it to stop it", ctid);
		struct cerr_saved fes;
		cerr_save(&fes); /* a thaw that fails still stops (by kill) */
		if (fops->freeze(&st.cg, false, 5000) < 0)
			log_warn("%s", cerr_msg());
		cerr_restore(&fes);
	}
	if (!fast)
		stop_hook(g, c, HOOK_STOP, -1);
	/* the umount script's view of the root: init's, held open past init's end (the mount
	 * namespace goes with init; this keeps its root mount, detached, until the script has run) */
	_cleanup_close_ int pin = -1;
	if (c && hooks_present(g, ctid, HOOK_UMOUNT)) {
		_cleanup_close_ int ipf = proc_pidfd(st.init_pid, st.init_start);
		char rp[64];
		snprintf(rp, sizeof(rp), "/proc/%d/root", (int)st.init_pid);
		if (ipf >= 0)
			pin = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct pollfd pp = {.fd = ipf, .events = POLLIN};
		if (pin >= 0 && poll(&pp, 1, 0) != 0) { /* init was gone: that root may be another's */
			close(pin);
			pin = -1;
		}
	}
	/* tell the monitor this is a stop, not a reboot; its socket closes when it is done */
	_cleanup_close_ int monpid = proc_pidfd(st.monitor_pid, st.monitor_start);
	_cleanup_close_ int mon = monitor_connect(g, ctid, "stop");
	/* a clean stop waits for the monitor's "ok": it must know that init's end is no reboot
	 * before init gets its signal. A killed init is never a reboot, so --fast goes on at once
	 * (the EOF loop below reads the "ok"); should the monitor see init's end before the line,
	 * it cleans up as after a halt in the guest and moves back to where it came from. */
	if (mon >= 0 && !fast) {
		char ok[8];
		struct pollfd p = {.fd = mon, .events = POLLIN};
		if (poll(&p, 1, 2000) > 0)
			(void)!read(mon, ok, sizeof(ok));
	}
	phase_mark("stop.told");
	_cleanup_close_ int pidfd = proc_pidfd(st.init_pid, st.init_start);
	const struct cg_ops *ops = cg_backend(st.cg.mode);
	bool clean = false;
	uint64_t t0 = now_ms();
	if (pidfd >= 0 && !fast) {
		int sig = ct_poweroff_signal(st.init_pid);
		log_debug("asking init (pid %d) to power off with signal %d", (int)st.init_pid, sig);
		if (kill(st.init_pid, sig) == 0)
			clean = wait_pidfd(pidfd, timeout_s * 1000);
		if (!clean)
			log_warn("container %u did not stop within %d s: killing it", ctid, timeout_s);
	}
	/* init first, through its pidfd (its PID namespace dies with it), then whatever is left in
	 * the cgroup recorded at start (never another one of the same name) */
	if (!clean && pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	if (!clean && (r = ops->kill(&st.cg, 5000)) < 0)
		return cerr(EX_STOPERR, r, "kill the processes of container %u", ctid);
	phase_mark("stop.killed");
	if (pidfd >= 0)
		wait_pidfd(pidfd, 5000);
	phase_mark("stop.initgone");
	if (mon >= 0) {
		/* the monitor cleans up and exits: wait for the EOF */
		struct pollfd p = {.fd = mon, .events = POLLIN};
		char buf[64];
		uint64_t end = now_ms() + 15000;
		while (now_ms() < end && poll(&p, 1, (int)(end - now_ms())) > 0 && read(mon, buf, sizeof(buf)) > 0)
			;
	}
	phase_mark("stop.monitoreof");
	if (!proc_alive(st.monitor_pid, st.monitor_start)) {
		/* no monitor: when it died before its cleanup's end (the state file still names it),
		 * do its work (idempotent); a monitor that finished removed the state file last */
		struct ct_state now;
		struct cerr_saved es;
		cerr_save(&es);
		bool left = state_read(g, ctid, &now) == 0 && now.monitor_pid == st.monitor_pid &&
			    now.monitor_start == st.monitor_start;
		cerr_restore(&es);
		if (left)
			ct_cleanup(g, ctid, &st.cg, NULL);
	}
	/* the monitors' cgroup and the parent, when this was the last: once the monitor has left */
	if (monpid >= 0)
		wait_pidfd(monpid, 2000);
	cg_monitor_remove(&st.cg);
	log_file_only("Container stopped %s in %llu ms", clean ? "cleanly" : (fast ? "by kill (--fast)" : "by kill after timeout"),
		      (unsigned long long)(now_ms() - t0));
	stop_hook(g, c, HOOK_UMOUNT, pin); /* without the pin (init was gone): VE_ROOT the private area */
	if (pin >= 0)
		close(pin);
	pin = -1;
	stop_hook(g, c, HOOK_POSTUMOUNT, -1);
	return 0;
}

int ct_destroy(const struct gconf *g, unsigned ctid)
{
	_cleanup_lock_ struct ct_lock lk = CT_LOCK_INIT;
	int r = ct_lock_take(g, ctid, "destroy", &lk);
	if (r < 0)
		return r;
	remove_partials(g, ctid);
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	if (access(cpath, F_OK) < 0)
		return cerr(EX_NOCONF, errno, "container %u does not exist (%s)", ctid, cpath);
	if (ct_running(g, ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running: stop it first", ctid);
	if ((r = clear_stale(g, ctid)) < 0)
		return r;
	/* onconnect: its waiter goes first (it closes the sockets) */
	if ((r = sockwait_stop(g, ctid)) < 0)
		return r;
	/* in three steps, each of which a SIGKILL may end: the private area is renamed away (the
	 * container reads as deleted from here on), the config becomes the .destroyed copy, then the
	 * tree goes. Whatever is left, the next command for this CTID finishes (remove_partials). */
	_cleanup_close_ int dfd = open(g->private_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char name[16];
	snprintf(name, sizeof(name), "%u", ctid);
	_cleanup_free_ char *gone = destroying_name(ctid);
	if (dfd >= 0 && renameat(dfd, name, dfd, gone) < 0 && errno != ENOENT)
		return cerr(EX_DELPRIVATE, errno, "rename private area %s/%s", g->private_dir, name);
	quota_ct_remove(g, ctid); /* limits to 0: a new container with this CTID starts from zero */
	ct_ownership_forget(g, ctid);
	_cleanup_free_ char *dest = xasprintf("%s.destroyed", cpath);
	if (rename(cpath, dest) < 0)
		return cerr(EX_SYSTEM, errno, "rename %s", cpath);
	_cleanup_free_ char *clog = xasprintf("%s/console/%u.log", g->run_dir, ctid);
	unlink(clog);
	log_set_ctid(ctid);
	if (dfd >= 0 && (r = fs_remove_tree(dfd, gone)) < 0)
		return cerr(EX_DELPRIVATE, r, "remove private area %s/%s (the container is destroyed; the next "
					      "create or destroy of %u removes the rest)",
			    g->private_dir, gone, ctid);
	log_file_only("Container destroyed");
	return 0;
}

int ct_status(const struct gconf *g, unsigned ctid)
{
	_cleanup_free_ char *cpath = ctconf_path(g, ctid);
	if (access(cpath, F_OK) < 0)
		return 0;
	/* a destroy interrupted after it renamed the private area away: deleted */
	_cleanup_free_ char *root = private_path(g, ctid);
	_cleanup_free_ char *gone = xasprintf("%s/.%u.destroying", g->private_dir, ctid);
	if (access(root, F_OK) < 0 && access(gone, F_OK) == 0)
		return 0;
	return ct_running(g, ctid, NULL) ? 2 : 1;
}

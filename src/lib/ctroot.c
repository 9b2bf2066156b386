/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctroot.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "error.h"
#include "mounts.h"
#include "state.h"
#include "tpltree.h"
#include "util.h"

static int recv_fd(int sock)
{
	char b;
	int fd;
	ssize_t n = fd_recv(sock, &b, 1, MSG_DONTWAIT, &fd);
	if (n < 0)
		return (int)n;
	if (n != 1 || fd < 0) { /* not our child's message: the descriptor is not kept */
		if (fd >= 0)
			close(fd);
		return -EPROTO;
	}
	return fd;
}

/* In the child: mount the overlay in a mount namespace of its own and pass root/'s descriptor on. */
static int overlay_child(const struct mnt_opts *mo, int sock)
{
	const char *priv = mo->root;
	if (unshare(CLONE_NEWNS) < 0)
		return cerr(EX_CANTMOUNT, errno, "unshare the mount namespace");
	int r = mnt_bind_root(mo);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cerr(EX_CANTMOUNT, errno, "open the merged root %s/" CT_OVL_ROOT, priv);
	if ((r = fd_send(sock, "r", 1, fd)) < 0)
		return cerr(EX_SYSTEM, -r, "pass the merged root on");
	return 0;
}

static int overlay_open(const struct mnt_opts *mo, int *rootfd)
{
	const char *priv = mo->root;
	int sv[2], rp[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return cerr(EX_SYSTEM, errno, "socketpair");
	if (pipe2(rp, O_CLOEXEC) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return cerr(EX_SYSTEM, e, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(rp[0]);
		int r = overlay_child(mo, sv[1]);
		cerr_report_write(rp[1], r);
		_exit(r < 0 ? 1 : 0);
	}
	int e = errno;
	close(sv[1]);
	close(rp[1]);
	if (pid < 0) {
		close(sv[0]);
		close(rp[0]);
		return cerr(EX_SYSTEM, e, "fork");
	}
	int r = cerr_report_read(rp[0]); /* EOF when the child is done */
	close(rp[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == -ENODATA)
		r = cerr(EX_SYSTEM, 0, "the helper that mounts the overlay of %s died", priv);
	if (r == 0) {
		int fd = recv_fd(sv[0]);
		if (fd < 0)
			r = cerr(EX_SYSTEM, -fd, "receive the merged root of %s", priv);
		else
			*rootfd = fd;
	}
	close(sv[0]);
	return r;
}

_Static_assert(TPL_LAYERS_MAX == MNT_LOWERS_MAX, "a template stack is one overlay mount");

static void paths_free(char **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The overlay of tree's stack (a layer's trees below it too) on dir (a private area, or scratch
 * space with rdonly), its descriptor into *rootfd. */
static int stack_open(const struct gconf *g, const char *tree, const char *dir, bool rdonly, int *rootfd)
{
	char **chain = NULL;
	unsigned n = 0;
	int r = tpl_tree_chain(g, tree, &chain, &n);
	if (r < 0)
		return r;
	if (rdonly && n < 2) {
		paths_free(chain, n);
		return cerr(EX_SYSTEM, EINVAL, "the template tree %s is no layer", tree);
	}
	for (unsigned i = 0; i < n; i++) {
		char *p = tpl_tree_path(g, chain[i]);
		free(chain[i]);
		chain[i] = p;
	}
	/* userns_fd -1: plain read-only binds of the trees, their owners as they are on disk */
	const struct mnt_opts mo = {.root = dir,
				    .tree = chain[0],
				    .userns_fd = -1,
				    .lowers = (const char *const *)(chain + 1),
				    .nlowers = n - 1,
				    .rdonly = rdonly};
	r = overlay_open(&mo, rootfd);
	paths_free(chain, n);
	return r;
}

int ctroot_open(const struct gconf *g, const struct ct_config *c, int *rootfd)
{
	*rootfd = -1;
	if (ct_running(g, c->ctid, NULL))
		return cerr(EX_RUNNING, 0, "container %u is running: stop it first", c->ctid);
	_cleanup_free_ char *priv = xasprintf("%s/%u", g->private_dir, c->ctid);
	struct stat st;
	if (stat(priv, &st) < 0 || !S_ISDIR(st.st_mode))
		return cerr(EX_NOPRIVATE, errno ? errno : ENOTDIR, "private area %s", priv);
	if (!ctconf_overlay(c)) {
		int fd = open(priv, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return cerr(EX_NOPRIVATE, errno, "open the private area %s", priv);
		*rootfd = fd;
		return 0;
	}
	if (!c->template_tree || !*c->template_tree)
		return cerr(EX_BADCONFIG, 0, "container %u has layout overlay but no template_tree in %s", c->ctid,
			    c->path ? c->path : "its config");
	_cleanup_free_ char *tree = tpl_tree_path(g, c->template_tree);
	if (stat(tree, &st) < 0 || !S_ISDIR(st.st_mode))
		return cerr(EX_NOPRIVATE, errno ? errno : ENOTDIR, "the template tree %s of container %u", tree, c->ctid);
	return stack_open(g, c->template_tree, priv, false, rootfd);
}

int ctroot_open_stack(const struct gconf *g, const char *tree, const char *scratch, int *rootfd)
{
	*rootfd = -1;
	return stack_open(g, tree, scratch, true, rootfd);
}

int ctroot_run(const struct gconf *g, const struct ct_config *c, int (*fn)(int rootfd, void *arg), void *arg)
{
	_cleanup_close_ int fd = -1;
	int r = ctroot_open(g, c, &fd);
	return r < 0 ? r : fn(fd, arg);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mounts.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "lxcfs.h"
#include "util.h"

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		return cerr(EX_CANTMOUNT, errno, "mount %s on %s (%s)", src ? src : "none", dst,
			    type ? type : "bind");
	return 0;
}

/* Give the detached clone t (open_tree) the attributes a (flags: AT_RECURSIVE or 0) and attach it
 * on dest; t is closed. what and path name the tree in messages; hint follows an EINVAL of an
 * idmap (the file system cannot be idmapped). */
static int attach_clone(int t, struct mount_attr *a, unsigned flags, const char *dest, const char *what,
			const char *path, const char *hint)
{
	bool idmap = a->attr_set & MOUNT_ATTR_IDMAP;
	int r = 0;
	if (mount_setattr(t, "", AT_EMPTY_PATH | flags, a, sizeof(*a)) < 0)
		r = cerr(EX_CANTMOUNT, errno, "%s %s %s%s", idmap ? "idmap" : "make read-only", what, path,
			 errno == EINVAL && idmap ? hint : "");
	else if (move_mount(t, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = cerr(EX_CANTMOUNT, errno, "attach %s %s on %s", what, path, dest);
	close(t);
	return r;
}

char *mnt_lowerdir(const char *const *dirs, unsigned n)
{
	if (n == 0 || n > MNT_LOWERS_MAX)
		return NULL;
	struct strbuf b = {0};
	for (unsigned i = 0; i < n; i++) {
		if (!dirs[i] || !*dirs[i]) {
			free(sb_done(&b));
			return NULL;
		}
		if (i)
			sb_add(&b, ":");
		for (const char *p = dirs[i]; *p; p++) {
			if (*p == ':' || *p == ',' || *p == '\\')
				sb_add(&b, "\\");
			sb_printf(&b, "%c", *p);
		}
	}
	return sb_done(&b);
}

/* The mount point of the i-th tree of an overlay stack in the private area: lower, lower.1 ... */
static void lower_point(unsigned i, char buf[32])
{
	if (i == 0)
		snprintf(buf, 32, "%s", CT_OVL_LOWER);
	else
		snprintf(buf, 32, "%s.%u", CT_OVL_LOWER, i);
}

/* The overlay root of layout overlay (see mnt_bind_root); / is private already. The private area
 * (o->root) is host root's: the names below are ours, never the guest's. */
static int overlay_root(const struct mnt_opts *o)
{
	if (chdir(o->root) < 0)
		return cerr(EX_CANTMOUNT, errno, "chdir %s", o->root);
	if (o->nlowers >= MNT_LOWERS_MAX)
		return cerr(EX_CANTMOUNT, 0, "a stack of %u template trees (at most %u)", o->nlowers + 1, MNT_LOWERS_MAX);
	char points[MNT_LOWERS_MAX][32];
	const char *names[MNT_LOWERS_MAX];
	int r = 0;
	for (unsigned i = 0; i <= o->nlowers && r == 0; i++) {
		const char *tree = i ? o->lowers[i - 1] : o->tree;
		lower_point(i, points[i]);
		names[i] = points[i];
		/* lower is made with the private area; the mount points of a stack's deeper trees as needed */
		if ((i || o->rdonly) && mkdir(points[i], 0700) < 0 && errno != EEXIST)
			return cerr(EX_CANTMOUNT, errno, "mkdir %s/%s", o->root, points[i]);
		int t = open_tree(AT_FDCWD, tree, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (t < 0)
			return cerr(EX_CANTMOUNT, errno, "bind the template tree %s", tree);
		/* read-only: overlayfs never writes a lower layer, and nothing else can reach this one */
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
		if (o->userns_fd >= 0) {
			a.attr_set |= MOUNT_ATTR_IDMAP;
			a.userns_fd = (uint64_t)o->userns_fd;
		}
		r = attach_clone(t, &a, 0, points[i], "the template tree", tree,
				 " (its filesystem does not support idmapped mounts: use --layout copy, or keep "
				 "template_dir on ext4, XFS or btrfs)");
	}
	if (r < 0)
		return r;
	/* relative names: resolved from our cwd, whatever characters the private area's path has */
	_cleanup_free_ char *lower = mnt_lowerdir(names, o->nlowers + 1);
	_cleanup_free_ char *data = o->rdonly ? xasprintf("lowerdir=%s", lower)
					      : xasprintf("lowerdir=%s,upperdir=" CT_OVL_UPPER ",workdir=" CT_OVL_WORK, lower);
	if (o->rdonly && mkdir(CT_OVL_ROOT, 0700) < 0 && errno != EEXIST)
		return cerr(EX_CANTMOUNT, errno, "mkdir %s/" CT_OVL_ROOT, o->root);
	if ((r = do_mount("overlay", CT_OVL_ROOT, "overlay", o->rdonly ? MS_RDONLY : 0, data)) < 0)
		return r;
	if (chdir(CT_OVL_ROOT) < 0)
		return cerr(EX_CANTMOUNT, errno, "chdir %s/" CT_OVL_ROOT, o->root);
	return 0;
}

/* Ownership mapped (see mnt_bind_root): the private area, container-relative on disk, bound onto
 * itself idmapped through the container's user namespace. Host root cannot create anything
 * through that mount (its uid 0 has no id on disk there: EOVERFLOW), so the mount points that
 * mnt_populate may have to make (proc, sys, dev) are made first, on disk, owned by 0: the
 * container's root. A guest's entry of that name that is not a directory is left for
 * mnt_populate to refuse. */
static int mapped_root(const struct mnt_opts *o)
{
	_cleanup_close_ int dfd = open(o->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cerr(EX_CANTMOUNT, errno, "open %s", o->root);
	static const struct {
		const char *name;
		mode_t mode;
	} points[] = {{"proc", 0555}, {"sys", 0555}, {"dev", 0755}};
	for (size_t i = 0; i < ARRAY_SIZE(points); i++)
		if (mkdirat(dfd, points[i].name, points[i].mode) < 0 && errno != EEXIST)
			return cerr(EX_CANTMOUNT, errno, "mkdir %s/%s", o->root, points[i].name);
	int t = open_tree(dfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (t < 0)
		return cerr(EX_CANTMOUNT, errno, "bind the private area %s", o->root);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)o->userns_fd};
	int r = attach_clone(t, &a, AT_RECURSIVE, o->root, "the private area", o->root,
			     " (its filesystem does not support idmapped mounts: convert the container with set "
			     "--ownership shifted, or move private_dir to ext4, XFS or btrfs)");
	if (r == 0 && chdir(o->root) < 0)
		r = cerr(EX_CANTMOUNT, errno, "chdir %s", o->root);
	return r;
}

int mnt_bind_root(const struct mnt_opts *o)
{
	/* private: nothing mounted here reaches the host, and no host mount event reaches the guest */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cerr(EX_CANTMOUNT, errno, "make / a private mount");
	if (o->tree)
		return overlay_root(o);
	if (o->userns_fd >= 0)
		return mapped_root(o);
	int r = do_mount(o->root, o->root, NULL, MS_BIND | MS_REC, NULL);
	if (r < 0)
		return r;
	if (chdir(o->root) < 0)
		return cerr(EX_CANTMOUNT, errno, "chdir %s", o->root);
	return 0;
}

/* We run as the host's root: what we create is handed to the container's root (uid_base), or
 * root inside would see it owned by nobody and could not use it. Never follows a symlink. */
static int give(const struct mnt_opts *o, const char *path, gid_t gid)
{
	if (fchownat(AT_FDCWD, path, o->uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cerr(EX_CANTMOUNT, errno, "chown %s in the guest", path);
	return 0;
}

/* mkdir that tolerates an existing directory; the guest may lack it. One we make belongs to the
 * container's root. */
static int ensure_dir(const struct mnt_opts *o, const char *path, mode_t mode)
{
	bool made = mkdir(path, mode) == 0;
	if (!made && errno != EEXIST)
		return cerr(EX_CANTMOUNT, errno, "mkdir %s in the guest", path);
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return cerr(EX_CANTMOUNT, ENOTDIR, "guest %s is not a directory", path);
	return made ? give(o, path, o->gid) : 0;
}

static int ensure_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return cerr(EX_CANTMOUNT, errno, "create %s", path);
	close(fd);
	return 0;
}

/* The masks over /proc; null is the node to bind over the masked files. */
static int mask_proc(const char *null)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int r;
	/* /proc/sys read-only except /proc/sys/net: the net bind is a copy of the read-only one,
	 * made writable again */
	if ((r = do_mount("proc/sys", "proc/sys", NULL, MS_BIND, NULL)) < 0 ||
	    (r = do_mount(NULL, "proc/sys", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | fl, NULL)) < 0 ||
	    (r = do_mount("proc/sys/net", "proc/sys/net", NULL, MS_BIND, NULL)) < 0 ||
	    (r = do_mount(NULL, "proc/sys/net", NULL, MS_BIND | MS_REMOUNT | fl, NULL)) < 0)
		return r;
	if (access("proc/sysrq-trigger", F_OK) == 0 &&
	    ((r = do_mount("proc/sysrq-trigger", "proc/sysrq-trigger", NULL, MS_BIND, NULL)) < 0 ||
	     (r = do_mount(NULL, "proc/sysrq-trigger", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | fl, NULL)) < 0))
		return r;
	/* read-only, they read as empty files */
	static const char *masked[] = {"proc/kcore", "proc/keys", "proc/timer_list"};
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		if (access(masked[i], F_OK) < 0)
			continue;
		if ((r = do_mount(null, masked[i], NULL, MS_BIND, NULL)) < 0 ||
		    (r = do_mount(NULL, masked[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL)) < 0)
			return r;
	}
	return 0;
}

static int setup_proc(const struct mnt_opts *o)
{
	int r;
	if ((r = ensure_dir(o, "proc", 0555)) < 0 ||
	    (r = do_mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) < 0)
		return r;
	/* the host's /dev/null: we have not pivoted yet */
	return o->nesting ? 0 : mask_proc("/dev/null");
}

static int setup_sys(const struct mnt_opts *o)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int r;
	/* sysfs of the container's network namespace (ours: we joined it) */
	if ((r = ensure_dir(o, "sys", 0555)) < 0 || (r = do_mount("sysfs", "sys", "sysfs", fl | MS_RDONLY, NULL)) < 0)
		return r;
	/* the guest's own cgroup2 tree, rooted at its cgroup namespace (its leaf), which we joined */
	return do_mount("cgroup2", "sys/fs/cgroup", "cgroup2", fl, NULL);
}

static const struct {
	const char *name;
	unsigned maj, min;
} devnodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

/* tmpfs options owned by the container's root */
static void tmpfs_opts(const struct mnt_opts *o, char *buf, size_t len, const char *extra)
{
	snprintf(buf, len, "%s,uid=%u,gid=%u", extra, (unsigned)o->uid, (unsigned)o->gid);
}

static int setup_dev(const struct mnt_opts *o, int *console_master)
{
	int r;
	char opts[128];
	tmpfs_opts(o, opts, sizeof(opts), "mode=755,size=65536k");
	if ((r = ensure_dir(o, "dev", 0755)) < 0 || (r = do_mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, opts)) < 0)
		return r;
	char path[64], src[64];
	/* The host's own node bound over an empty file, where the host has it (as LXC does): CRIU
	 * restores a bind mount, but cannot make a device node in a tmpfs from inside the container's
	 * user namespace (chkpnt, restore). Else a node of our own: we are the host's root on a tmpfs
	 * the host's user namespace owns, so mknod works with or without a user namespace, and the
	 * nodes are usable (the devices program is the policy). */
	for (size_t i = 0; i < ARRAY_SIZE(devnodes); i++) {
		snprintf(path, sizeof(path), "dev/%s", devnodes[i].name);
		snprintf(src, sizeof(src), "/dev/%s", devnodes[i].name);
		struct stat hs;
		if (lstat(src, &hs) == 0 && S_ISCHR(hs.st_mode) && hs.st_rdev == makedev(devnodes[i].maj, devnodes[i].min)) {
			if ((r = ensure_file(path)) < 0 || (r = give(o, path, o->gid)) < 0 ||
			    (r = do_mount(src, path, NULL, MS_BIND, NULL)) < 0)
				return r;
			continue;
		}
		if (mknod(path, S_IFCHR | 0666, makedev(devnodes[i].maj, devnodes[i].min)) < 0)
			return cerr(EX_CANTMOUNT, errno, "mknod %s", path);
		if (chmod(path, 0666) < 0)
			return cerr(EX_CANTMOUNT, errno, "chmod %s", path);
		if ((r = give(o, path, o->gid)) < 0)
			return r;
	}
	/* terminals in the tty group (5) of the container. Kernels that read devpts' gid= as a
	 * signed int (6.1 does) refuse a group above 2^31-1: then the terminals get the group of the
	 * process that opens them, and login, sshd and getty set the tty group themselves. */
	gid_t tty = o->gid + 5;
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=620,gid=%u", (unsigned)tty);
	if ((r = ensure_dir(o, "dev/pts", 0755)) < 0)
		return r;
	if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, opts) < 0) {
		if (errno != EINVAL || tty <= 0x7fffffff)
			return cerr(EX_CANTMOUNT, errno, "mount devpts on dev/pts (%s)", opts);
		if ((r = do_mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")) < 0)
			return r;
	}
	if ((r = give(o, "dev/pts", o->gid)) < 0 || (r = give(o, "dev/pts/ptmx", o->gid)) < 0)
		return r;
	if (symlink("pts/ptmx", "dev/ptmx") < 0)
		return cerr(EX_CANTMOUNT, errno, "symlink dev/ptmx");
	if ((r = give(o, "dev/ptmx", o->gid)) < 0)
		return r;
	/* console: a pty of the guest's devpts, the monitor keeps the master */
	int master = open("dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return cerr(EX_CANTMOUNT, errno, "open the guest's ptmx");
	int unlock = 0, n = -1;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
		close(master);
		return cerr(EX_CANTMOUNT, errno, "set up the console pty");
	}
	snprintf(src, sizeof(src), "dev/pts/%d", n);
	if ((r = give(o, src, tty)) < 0 || (r = ensure_file("dev/console")) < 0 ||
	    (r = do_mount(src, "dev/console", NULL, MS_BIND, NULL)) < 0) {
		close(master);
		return r;
	}
	*console_master = master;
	tmpfs_opts(o, opts, sizeof(opts), "mode=1777");
	if ((r = ensure_dir(o, "dev/shm", 01777)) < 0 ||
	    (r = do_mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, opts)) < 0)
		return r;
	static const char *links[][2] = {{"/proc/self/fd", "dev/fd"},
					 {"/proc/self/fd/0", "dev/stdin"},
					 {"/proc/self/fd/1", "dev/stdout"},
					 {"/proc/self/fd/2", "dev/stderr"}};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (symlink(links[i][0], links[i][1]) < 0)
			return cerr(EX_CANTMOUNT, errno, "symlink %s", links[i][1]);
		if ((r = give(o, links[i][1], o->gid)) < 0)
			return r;
	}
	return 0;
}

static int setup_run(const struct mnt_opts *o, int *notify_fd)
{
	struct stat st;
	if (lstat("run", &st) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* a guest without /run manages without */
	char opts[128];
	tmpfs_opts(o, opts, sizeof(opts), "mode=755,size=20%");
	int r = do_mount("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, opts);
	if (r < 0)
		return r;
	if ((r = ensure_dir(o, "run/host", 0755)) < 0)
		return r;
	int fd = open("run/host/container-manager", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return cerr(EX_CANTMOUNT, errno, "create /run/host/container-manager");
	r = write_full(fd, "cellctl\n", 8);
	close(fd);
	if (r < 0 || (r = give(o, "run/host/container-manager", o->gid)) < 0)
		return r;
	/* systemd's READY=1 comes here: a datagram socket in the guest's own /run, handed to the
	 * monitor (no host path is visible to, or reachable from, the guest) */
	int sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "run/host/notify");
	if (sfd < 0 || bind(sfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod("run/host/notify", 0600) < 0) {
		r = cerr(EX_CANTMOUNT, errno, "create /run/host/notify");
		if (sfd >= 0)
			close(sfd);
		return r;
	}
	if ((r = give(o, "run/host/notify", o->gid)) < 0) {
		close(sfd);
		return r;
	}
	*notify_fd = sfd;
	return 0;
}

/* A boot id of this boot's own, as a real machine gets a new one at each boot (the kernel's is
 * host-wide): a random UUID in a file of the guest's /dev tmpfs, bound read-only over
 * /proc/sys/kernel/random/boot_id, then unlinked. */
static int setup_boot_id(const struct mnt_opts *o)
{
	const char *target = "proc/sys/kernel/random/boot_id", *tmp = "dev/.cellctl-boot-id";
	if (access(target, F_OK) < 0)
		return 0;
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return cerr(EX_CANTMOUNT, errno, "random boot id");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	char id[40];
	snprintf(id, sizeof(id), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return cerr(EX_CANTMOUNT, errno, "create %s", tmp);
	int r = write_full(fd, id, strlen(id));
	close(fd);
	if (r == 0)
		r = give(o, tmp, o->gid);
	if (r == 0)
		r = do_mount(tmp, target, NULL, MS_BIND, NULL);
	if (r == 0)
		r = do_mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	unlink(tmp);
	return r;
}

int mnt_populate(const struct mnt_opts *o, int *console_master, int *notify_fd)
{
	int r;
	*notify_fd = -1;
	*console_master = -1;
	if ((r = setup_proc(o)) < 0 || (r = setup_sys(o)) < 0 || (r = lxcfs_bind_all(o->lxcfs)) < 0 ||
	    (r = setup_dev(o, console_master)) < 0 ||
	    (!o->nesting && (r = setup_boot_id(o)) < 0) || (r = setup_run(o, notify_fd)) < 0) {
		if (*console_master >= 0)
			close(*console_master);
		*console_master = -1;
		return r;
	}
	return 0;
}

int mnt_pivot(void)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cerr(EX_CANTMOUNT, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return cerr(EX_CANTMOUNT, errno, "detach the old root");
	if (chdir("/") < 0)
		return cerr(EX_CANTMOUNT, errno, "chdir /");
	return 0;
}

int mnt_late_masks(void)
{
	/* we are the container's root now: what we make is ours already */
	const struct mnt_opts own = {.root = "/", .nesting = true};
	int r;
	if (chdir("/") < 0)
		return cerr(EX_CANTMOUNT, errno, "chdir /");
	if ((r = mask_proc("dev/null")) < 0 || (r = setup_boot_id(&own)) < 0)
		return r;
	return 0;
}

int mnt_enter(int nsfd, int rootfd)
{
	if (setns(nsfd, CLONE_NEWNS) < 0)
		return cerr(EX_CANTMOUNT, errno, "join the container's mount namespace");
	/* setns leaves us at the namespace's bottom-most root; the container's is rootfd (they only
	 * differ when cellctl itself runs chrooted) */
	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return cerr(EX_CANTMOUNT, errno, "enter the container's root");
	if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		return cerr(EX_CANTMOUNT, errno, "make / shared");
	return 0;
}

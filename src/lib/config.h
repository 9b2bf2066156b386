/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Global config (cellctl.conf) and container configs (CTID.conf), read with iniparser; the
 * parameter table (params.c) drives validation, the CLI, set --save and list -o. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "ini.h"

#define CTID_MIN 101u
#define CTID_MAX 2147483647u
#define MAX_NETIF 16
#define MAX_IPS 32
#define MAX_DEVRULES 64

/* Parse a CTID: decimal, 101..2147483647 (0 is the host, 1-100 reserved). -EINVAL / -ERANGE. */
int ctid_parse(const char *s, unsigned *out);

struct gconf {
	char *path;         /* the file read, or NULL when defaults only */
	char *config_dir;   /* [paths] config_dir */
	char *private_dir;  /* [paths] private_dir */
	char *template_dir; /* [paths] template_dir: cache in template_dir/cache */
	char *recipe_dir;   /* [paths] recipe_dir: template recipes (default DATADIR/cellctl/templates) */
	char *sample_dir;   /* [paths] sample_dir: ve-NAME.conf-sample files (default /etc/cellctl/samples) */
	char *dumpdir;      /* [backup] dumpdir: where backup writes by default (default /var/lib/cellctl/dump) */
	char *run_dir;      /* [paths] run_dir */
	char *log_file;     /* [paths] log_file */
	char *cg_parent;    /* [cgroup] parent: "cellctl" or "self" */
	char *bridge;       /* [network] bridge */
	char *bridge_address; /* [network] bridge_address, may be NULL */
	char *default_template; /* [defaults] ostemplate (default "busybox") */
	char *default_sample;   /* [defaults] config (default NULL: no sample) */
	bool userns_default;    /* [userns] default */
	uint32_t userns_base;   /* [userns] base */
	uint32_t userns_size;   /* [userns] size */
	unsigned stop_timeout;  /* [defaults] stop_timeout, seconds (default 120) */
	unsigned hook_timeout;  /* [defaults] action_script_timeout: each action script's, seconds (default 60) */
	unsigned boot_parallel; /* [boot] parallel: starts at a time of boot (default 4) */
	unsigned shutdown_parallel; /* [boot] shutdown_parallel: stops at a time of shutdown (default 16) */
	unsigned boot_bridge_wait; /* [boot] bridge_wait: seconds boot waits for the bridges it does not make (default 60) */
	char *bridges;          /* [network] bridges: more bridges cellctl may create (space/comma list), may be NULL */
	bool ipadd_bridged;     /* [network] ipadd_mode = bridged: a bare --ipadd goes to the first bridged
	                         * interface (default routed: to the routed venet0, as vzctl) */
	char *uplink;           /* [network] uplink: host interfaces that get the proxy ARP/NDP entries of
	                         * routed addresses (space/comma list), may be NULL (none) */
	bool layout_copy;       /* [defaults] layout = copy: create makes full copies unless told
	                         * otherwise (default overlay, where the host supports it) */
	char *lxcfs_mount;      /* [lxcfs] mount_point: where the host's lxcfs is mounted (default /var/lib/lxcfs) */
	char *migrate_ssh;      /* [migrate] ssh: the ssh client migrate runs (default "ssh", looked up in PATH) */
	char *migrate_ssh_options; /* [migrate] ssh_options: its options, words split at blanks (default
	                            * "-o BatchMode=yes"), may be NULL */
	char *migrate_remote;   /* [migrate] remote_command: the destination's cellctl, words split at blanks
	                         * (default "cellctl") */
};

/* Load the global config: path from $CELLCTL_CONF, else /etc/cellctl/cellctl.conf. A missing
 * default file gives built-in defaults; a missing $CELLCTL_CONF file or a malformed one is an
 * error (cerr EX_NOGCONF / EX_BADCONFIG, message names file and line). */
int gconf_load(struct gconf **out);
void gconf_free(struct gconf *g);

struct ct_netif {
	char ifname[16];      /* guest side, e.g. eth0 */
	char mac[18];         /* guest MAC, "" = derive from uuid */
	char host_ifname[16]; /* "" = derive */
	char host_mac[18];    /* "" = derive */
	char bridge[16];      /* "" = global default */
	char *ips[MAX_IPS];   /* "A/prefix" strings */
	unsigned nips;
	char gw[64], gw6[64];
	/* anti-spoofing opt-outs ([netif.X] mac_filter / ip_filter = no); zero = filtering on */
	bool mac_filter_off, ip_filter_off;
	/* bandwidth limits in bits/s, 0 = unlimited (netlink.h: the shapers on the host side) */
	uint64_t rate_in;  /* to the container: its download */
	uint64_t rate_out; /* from the container: its upload */
};

/* A bind mount from the host (bindmount.h): [bindmount] mpN = HOST:GUEST[:ro][,propagation=X][,idmap] */
enum { BIND_PRIVATE, BIND_SLAVE, BIND_SHARED };
#define BIND_PATH_MAX 480
struct ct_bind {
	char host[BIND_PATH_MAX];  /* absolute, clean */
	char guest[BIND_PATH_MAX]; /* absolute, clean, in the guest's tree */
	bool ro;                   /* read-only (default read-write) */
	bool idmap;                /* idmapped through the container's user namespace */
	int prop;                  /* BIND_PRIVATE (default), BIND_SLAVE, BIND_SHARED */
};

struct ct_config {
	unsigned ctid;
	char *path;           /* config_dir/CTID.conf */
	struct ini_doc *doc;  /* the file as text, for set --save */
	/* [container] */
	char *hostname, *ostemplate, *uuid, *name, *description, *origin_sample;
	char *layout;        /* "overlay": root is an overlayfs over template_tree; NULL or "copy": a full copy */
	char *template_tree; /* layout overlay: the tree (tpltree.h) under the container's upper layer */
	char *ownership;     /* layout copy with userns: "mapped" (container-relative on disk, idmapped at
				start) or NULL / "shifted" (the block's host ids on disk) */
	bool onboot, disabled, userns;
	int bootorder;
	unsigned onboot_delay;       /* seconds boot waits, after its group began, before starting it */
	uint32_t uid_base, uid_size; /* the id block when userns */
	unsigned stop_timeout;       /* seconds */
	uint32_t quota_id;           /* disk quota project ID, 0 = none recorded (the CTID) */
	/* [resources]: UINT64_MAX / 0 meaning unset/unlimited as documented per field */
	uint64_t ram, swap;          /* bytes; SIZE_UNLIMITED when unset */
	unsigned cpuunits;           /* 8..500000, default 1000 */
	unsigned cpulimit;           /* percent of one CPU, 0 = none */
	bool cpulimit_host;          /* value given as N% of the whole host */
	unsigned cpus;               /* 0 = all */
	char *cpumask;               /* NULL = all */
	int ioprio;                  /* 0..7, default 4 */
	uint64_t iolimit;            /* bytes/s, 0 = none */
	unsigned iopslimit;          /* 0 = none */
	uint64_t numproc;            /* SIZE_UNLIMITED when unset */
	uint64_t diskspace_soft, diskspace_hard;   /* bytes, SIZE_UNLIMITED unset */
	uint64_t diskinodes_soft, diskinodes_hard; /* SIZE_UNLIMITED unset */
	/* [security] */
	char *capability;  /* raw "name:on,name:off" list, NULL = defaults */
	char *devices;     /* raw rule list "c:10:200:rw b:8:0:r", NULL = none beyond defaults */
	char *devnodes;    /* raw "net/tun:rw ..." */
	/* [network] and [netif.NAME] sections */
	struct ct_netif netif[MAX_NETIF];
	unsigned nnetif;
	/* [venet] ipadd: the routed addresses (routed.h), host addresses without prefix; only
	 * venet.ips / venet.nips are used (the rest is derived: net_venet_resolve) */
	struct ct_netif venet;
	bool ipadd_bridged; /* copied from the global config: what a bare --ipadd means */
	char *nameserver, *searchdomain; /* space-separated lists or "inherit" */
	/* [security] syscall filter (secfilter.c); fixed buffers: nothing to free */
	bool seccomp_off;         /* seccomp = no */
	bool no_new_privs;        /* no_new_privs = yes */
	bool nesting;             /* [security] nesting = yes: unlocked /proc masks (mounts.c) */
	bool lxcfs_off;           /* [container] lxcfs = no: the kernel's /proc files, not lxcfs's (lxcfs.h) */
	bool sysinfo_off;         /* [container] sysinfo = no: the kernel answers sysinfo(2) (sysnotif.h) */
	char seccomp_allow[512];  /* names taken off the default deny-list, "keyctl,bpf" */
	char seccomp_deny[1024];  /* extra denied calls, "ptrace:EACCES,personality:EPERM" */
	/* [bindmount] mpN: bind mounts from the host (bindmount.h), malloc'd */
	struct ct_bind *binds;
	unsigned nbinds;
	/* [container] listen: sockets bound on the host and passed to init (sockspec.h), the
	 * canonical space separated list; NULL = none */
	char *listen;
	bool onconnect;     /* [container] onconnect: stopped, a waiter holds the sockets (sockwait.h) */
	unsigned idle_stop; /* [container] idle_stop: seconds without a connection before a stop, 0 never */
};

#include "conftext.h"

/* The private area of a container with layout overlay: these directories in it. UPPER is the
 * container's own layer (owned by its shifted ids), WORK overlayfs's, LOWER and ROOT the empty
 * mount points of the template tree's (idmapped) bind and of the merged root, made at start in
 * the mount helper's namespace only (mounts.c). */
#define CT_OVL_UPPER "upper"
#define CT_OVL_WORK "work"
#define CT_OVL_LOWER "lower"
#define CT_OVL_ROOT "root"
/* Is the container's layout overlay ([container] layout)? */
static inline bool ctconf_overlay(const struct ct_config *c)
{
	return c->layout && !strcmp(c->layout, "overlay");
}

/* Is the private area of c container-relative on disk ([container] ownership = mapped: a copy
 * layout container with a user namespace whose root is an idmapped bind at start)? */
static inline bool ctconf_mapped(const struct ct_config *c)
{
	return c->userns && !ctconf_overlay(c) && c->ownership && !strcmp(c->ownership, "mapped");
}
/* The host uid (and gid) that the container's root has on disk in its private area: the block's
 * base when the area is shifted, 0 when it is mapped or there is no user namespace. Layout
 * overlay: its upper layer (shifted). */
static inline uid_t ctconf_disk_root(const struct ct_config *c)
{
	return c->userns && !ctconf_mapped(c) ? c->uid_base : 0;
}

/* Read config_dir/CTID.conf. -ENOENT (cerr EX_NOCONF) when missing; malformed lines give
 * EX_BADCONFIG with "file:line"; invalid values EX_BADVALUE naming the key. */
int ctconf_load(const struct gconf *g, unsigned ctid, struct ct_config **out);
/* Build the config of ctid from text read once from the file name (NULL text: empty); errors as
 * ctconf_load's, naming name. */
int ctconf_from_text(const struct gconf *g, unsigned ctid, const char *name, const char *text,
		     struct ct_config **out);
/* Build from an ini_doc (create before the file exists, tests): its text, as ctconf_from_text.
 * Takes ownership of doc (NULL: an empty one) in every case. */
int ctconf_from_doc(const struct gconf *g, unsigned ctid, struct ini_doc *doc, struct ct_config **out);
void ctconf_free(struct ct_config *c);
/* A config freed when it goes out of scope: _cleanup_conf_ struct ct_config *c = NULL; */
static inline void ctconf_cleanup(struct ct_config **c)
{
	if (*c)
		ctconf_free(*c);
}
#define _cleanup_conf_ __attribute__((cleanup(ctconf_cleanup)))
/* Path of the container config (malloc'd). */
char *ctconf_path(const struct gconf *g, unsigned ctid);
/* Write c->doc atomically to c->path, once iniparser reads the new text as meant (conf_check_edit).
 * cerr EX_CONFSAVE on failure (EX_BADCONFIG when the text is refused as malformed). */
int ctconf_save(struct ct_config *c);
/* List existing CTIDs (numeric NAME.conf files in config_dir), sorted. Caller frees *ids. */
int ctconf_list(const struct gconf *g, unsigned **ids, unsigned *n);
/* The CTIDs of the canonically named files NAME<suffix> in dir (one readdir: "101.conf", not
 * "0101.conf"), sorted; none when dir does not exist. Caller frees *ids. -errno (no cerr) when
 * dir cannot be read. */
int ctid_dir_list(const char *dir, const char *suffix, unsigned **ids, unsigned *n);
/* Is id among the n sorted ids (ctid_dir_list's)? */
bool ctid_in(const unsigned *ids, unsigned n, unsigned id);
/* The walk over every container config (ctconf_list order, each loaded with ctconf_load): fn gets
 * the CTID and *c, the loaded config, which ctconf_foreach frees after fn returns unless fn took
 * it (set *c = NULL). A config that does not load is skipped, logged at debug level; with
 * CTCONF_EACH_BROKEN fn is called for it too, with *c NULL, while its load error is still the
 * recorded one (cerr_msg() says why). Either way that error is forgotten when the walk goes on:
 * it leaves no error of a broken neighbour behind (one recorded before the walk stays).
 * fn returns 0 to go on; anything else ends the walk and is returned. Returns 0 after the last
 * config, or ctconf_list's error (cerr set). */
enum { CTCONF_EACH_BROKEN = 1 << 0 };
typedef int (*ctconf_each_fn)(unsigned ctid, struct ct_config **c, void *arg);
int ctconf_foreach(const struct gconf *g, unsigned flags, ctconf_each_fn fn, void *arg);
/* As ctconf_foreach, but want(ctid, arg) is asked first and a container it declines is neither
 * loaded nor passed to fn (list shows only some containers: the others' configs are not read). */
typedef bool (*ctconf_want_fn)(unsigned ctid, void *arg);
int ctconf_foreach_wanted(const struct gconf *g, unsigned flags, ctconf_want_fn want, ctconf_each_fn fn, void *arg);
/* The config of ctid from a sample (sample_dir/ve-NAME.conf-sample), read as ctconf_load reads
 * (messages name the sample file); cerr EX_NOCONF when missing. */
int ctconf_load_sample(const struct gconf *g, unsigned ctid, const char *name, struct ct_config **out);

/* ---- the parameter table (params.c) ---- */
enum param_flags {
	PF_CREATE = 1 << 0,  /* accepted by create */
	PF_SET = 1 << 1,     /* accepted by set */
	PF_LIVE = 1 << 2,    /* set on a running container takes effect without a restart (applied live,
	                      * or read by cellctl when needed); without it: at the next start */
	PF_NOSAVE = 1 << 3,  /* never written to the config */
	PF_LIST = 1 << 4,    /* a list -o field */
	PF_REPEAT = 1 << 5,  /* may repeat; values accumulate */
	PF_JOIN = 1 << 6,    /* may repeat on the CLI: join the values with spaces and call param_set
	                      * once; the new list replaces the old (nameserver, searchdomain) */
	PF_DEL = 1 << 7,     /* removes from the value of the parameter with the same key: never read
	                      * from the config, written as that key (listen_del) */
};

/* How a parameter is read and printed: a typed entry on a field of struct ct_config at off (with
 * its range or unit), or functions of its own (PT_FUNC). */
enum param_type {
	PT_FUNC,     /* fn_apply / fn_print */
	PT_STR,      /* char *, valid when ok(value); "" unsets */
	PT_BOOL,     /* bool: yes or no */
	PT_NBOOL,    /* bool holding the opposite (seccomp = no sets seccomp_off) */
	PT_UINT,     /* unsigned, min..max */
	PT_INT,      /* int, min..max */
	PT_SIZE,     /* uint64_t: a size, a bare number counting unit bytes, at least min */
	PT_PAIR,     /* uint64_t soft at off, hard at off2: soft[:hard], not soft above hard; sizes (a
	              * bare number counting unit bytes) when unit, counts or unlimited when 0 */
	PT_MERGE,    /* char *: entries normalised by norm, merged by name, joined by sep; none clears */
	PT_FIXMERGE, /* char[max] the same, comma separated */
	PT_WORDS,    /* char *: space separated items, each ok(item), or inherit */
};
enum param_type_flags {
	PT_UNLIM = 1 << 0,  /* unlimited stores 0 (PT_UINT, PT_SIZE) */
	PT_BLANK0 = 1 << 1, /* 0 is unset: prints as nothing */
};

/* How list shows a PF_LIST parameter. */
struct param_col {
	const char *header; /* NULL: the name in capitals */
	int width;          /* printf width, negative: left-aligned; 0: -10 */
	bool number;        /* list -j prints it as a number */
	/* list's value when it is not the printed one (NULL: param_print) */
	void (*print)(const struct ct_config *c, char *buf, unsigned len);
};

struct param {
	const char *name;     /* CLI option and list field: "ram" */
	const char *section;  /* INI section: "resources" */
	const char *key;      /* INI key: "ram" */
	unsigned flags;
	int bad_exit;         /* exit code for an invalid value (EX_BADVALUE unless vzctl has one) */
	enum param_type type;
	size_t off, off2;        /* the field(s) of struct ct_config */
	uint64_t min, max, unit; /* range; unit of a bare number */
	unsigned tflags;         /* PT_UNLIM, PT_BLANK0 */
	bool (*ok)(const char *value);       /* PT_STR, PT_WORDS */
	char *(*norm)(const char *entry);    /* PT_MERGE, PT_FIXMERGE: a normalised entry or NULL */
	const char *sep;                     /* PT_MERGE */
	/* PT_FUNC: validate text and store into c, 0 or -EINVAL/-ERANGE/-ENOENT; print the value
	 * (NULL: the parameter has no value of its own, as ipdel) */
	int (*fn_apply)(struct ct_config *c, const char *value);
	void (*fn_print)(const struct ct_config *c, char *buf, unsigned len);
	const char *help;
	const char *form;     /* what it accepts, in words with examples (param_form) */
	struct param_col col; /* PF_LIST */
};

const struct param *param_find(const char *name);
const struct param *param_table(unsigned *n);
/* What the parameter accepts, in words with examples ("a size of at least 1M such as 512M, ..."),
 * for error messages; never NULL. */
const char *param_form(const struct param *p);
/* Validate value and store it into c (not c->doc): 0 or -EINVAL / -ERANGE / -ENOENT / -E2BIG
 * (no cerr: param_set reports). */
int param_apply(const struct param *p, struct ct_config *c, const char *value);
/* The current value of p in c as set --save writes it and list -o shows it ("" when unset);
 * false (buf "") when p has no value of its own (ipdel, netif_del). */
bool param_print(const struct param *p, const struct ct_config *c, char *buf, unsigned len);
/* Validate and apply one parameter to c and c->doc (doc updated so ctconf_save persists it).
 * Errors: cerr with the param's exit code and a message naming the option and value. */
int param_set(struct ct_config *c, const struct param *p, const char *value);

/* Fill c from the values iniparser read (t) through the table and the [netif.X] sections (their
 * names as the file spells them, from t->doc). Errors: cerr(p->bad_exit, "NAME: [section] key:
 * invalid value 'X'"). Used by the reader (config.c). */
int param_load(struct ct_config *c, const struct conf_text *t, const char *name);
/* Per-interface options after --ifname IFNAME: key is mac, host_ifname, host_mac, bridge, ipadd,
 * ipdel, gw, gw6, mac_filter or ip_filter. ifname NULL means the first interface. Validates, updates c and c->doc;
 * cerr with EX_BADVALUE / EX_BADIP naming the option. */
int param_netif_set(struct ct_config *c, const char *ifname, const char *key, const char *value);
bool param_is_netif_key(const char *key);
/* Validators shared with the global config and the network code (interface names: net_valid_ifname,
 * netaddr.h). */
bool param_valid_cidr(const char *s);     /* IPv4 or IPv6 address with an optional /prefix */
bool param_valid_hostname(const char *s); /* RFC 1123 labels, at most 253 chars */

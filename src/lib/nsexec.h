/* Running things inside a running container: exec, enter, console. */
#pragma once
#include "config.h"

/* Run argv inside every namespace and the cgroup of the container, with its capability bounding
 * set; returns the exit status to use (the command's own, 128+N when killed by signal N, 127 when
 * it could not be executed) or a negative errno (cerr set, e.g. EX_NOTRUNNING). */
int ct_exec(const struct gconf *g, unsigned ctid, char **argv);
/* Interactive shell on a pty of the container's own devpts. Returns the shell's status. */
int ct_enter(const struct gconf *g, unsigned ctid, char **argv);
/* Attach to the console through the monitor (escape: Ctrl-a q). */
int ct_console(const struct gconf *g, unsigned ctid);

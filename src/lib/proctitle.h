/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process title: what ps shows for us ("cellctl-monitor 101"). */
#pragma once

/* Call once from main with its argc/argv: the title may then use the space of argv and of the
 * environment after it (the environment moves to the heap). */
void proc_title_init(int argc, char **argv);
/* Set the title (cut to the space proc_title_init found) and the comm name (first 15 bytes). */
void proc_title_set(const char *title);

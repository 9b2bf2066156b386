/* SPDX-License-Identifier: GPL-2.0-or-later */
/* t_ownership's guest helper (built static by the test, copied into the guest):
 *   idshow show            prints "euid=N capeff=HEX" (its effective uid and CapEff)
 *   idshow as UID PROG...  drops to UID:UID without groups, then executes PROG */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "as")) {
		unsigned id = (unsigned)strtoul(argv[2], NULL, 10);
		if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 || setresuid(id, id, id) < 0) {
			perror("idshow: drop privileges");
			return 1;
		}
		execv(argv[3], argv + 3);
		perror("idshow: exec");
		return 1;
	}
	if (argc >= 2 && !strcmp(argv[1], "show")) {
		char line[256], cap[64] = "?";
		FILE *f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %63s", cap) == 1)
				break;
		if (f)
			fclose(f);
		printf("euid=%d capeff=%s\n", (int)geteuid(), cap);
		return 0;
	}
	fprintf(stderr, "usage: idshow show | idshow as UID PROG [ARG...]\n");
	return 2;
}

/* cellctl-archive: runs template extraction and packing (libarchive) for cellctl.
 *   cellctl-archive extract ARCHIVE DESTDIR UID_SHIFT UID_SIZE
 *   cellctl-archive pack SRCDIR ARCHIVE PROGRESS(0|1)
 * Reports "0 ok" or "CODE message" on fd 3. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "template.h"
#include "util.h"

static volatile int cancelled;
static void on_signal(int s)
{
	(void)s;
	cancelled = 1;
}

int main(int argc, char **argv)
{
	log_init(NULL, LOG_ERR_L);
	int r;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (argc == 6 && strcmp(argv[1], "extract") == 0) {
		unsigned shift, size;
		if (parse_uint(argv[4], 0, UINT32_MAX, &shift) < 0 || parse_uint(argv[5], 0, UINT32_MAX, &size) < 0)
			r = cerr(EX_BADSYNTAX, 0, "cellctl-archive: bad id numbers");
		else {
			struct tpl_extract_opts o = {.uid_shift = shift, .uid_size = size, .cancel = &cancelled};
			r = tpl_extract(argv[2], argv[3], &o);
		}
	} else if (argc == 5 && strcmp(argv[1], "pack") == 0) {
		r = tpl_pack(argv[2], argv[3], strcmp(argv[4], "1") == 0);
	} else {
		fprintf(stderr, "cellctl-archive is a helper of cellctl\n");
		return 2;
	}
	cerr_report_write(3, r);
	return r < 0 ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target of a /proc/PID/fd link ("socket:[123]", "net:[4026531840]",
 * "/path", "anon_inode:[eventpoll]"): parse_link_inode() for each kind the
 * scanner asks about.  What it accepts must be exactly "KIND:[N]".
 */
#include "proc/pid.h"
#include "tests/fuzz/fuzz.h"

static void check_kind(const char *link, const char *kind)
{
	uint64_t inode;
	char *end;

	if (parse_link_inode(link, kind, &inode))
		return;
	/* Exactly "KIND:[N]", N what strtoull reads (leading zeros allowed). */
	if (strncmp(link, kind, strlen(kind)) || link[strlen(kind)] != ':' ||
	    link[strlen(kind) + 1] != '[' || link[strlen(kind) + 2] < '0' ||
	    link[strlen(kind) + 2] > '9' ||
	    strtoull(link + strlen(kind) + 2, &end, 10) != inode || strcmp(end, "]"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *link = fuzz_string(data, size);

	if (!link)
		return 0;
	check_kind(link, "socket");
	check_kind(link, "net");
	check_kind(link, "pipe");
	free(link);
	return 0;
}

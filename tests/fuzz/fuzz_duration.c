// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The number parsers of the command line: parse_duration_us() (--timeout,
 * --max-pause, --settle, --older-than) and parse_pid(), parse_fd() and
 * parse_port() for PID, FD, --pid and --port.
 */
#include <limits.h>

#include "cli/cli.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	unsigned long long us;
	pid_t pid;
	int fd, port;

	if (!s)
		return 0;
	/* The whole part scaled stays within half the range, the fraction below one unit. */
	if (!parse_duration_us(s, &us) && us > ULLONG_MAX / 2 + 3600000000ULL)
		abort();
	if (!parse_pid(s, &pid) && pid < 1)
		abort();
	if (!parse_fd(s, &fd) && fd < 0)
		abort();
	if (!parse_port(s, &port) && (port < 0 || port > 65535))
		abort();
	free(s);
	return 0;
}

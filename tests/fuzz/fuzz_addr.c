// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --local and --remote: parse_addr_filter() ("ADDR", "ADDR:PORT",
 * "[IPV6]:PORT", ":PORT", "*"), and a match of what it parsed against an
 * address taken from the input itself.
 */
#include <sys/socket.h>

#include "scan/scan.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct addr_filter f;
	uint8_t addr[16] = { 0 };

	if (!s)
		return 0;
	memcpy(addr, data, size < sizeof(addr) ? size : sizeof(addr));
	if (!parse_addr_filter(s, &f)) {
		if (!f.set || f.port < -1 || f.port > 65535)
			abort();
		fuzz_use(&f, addr_filter_match(&f, AF_INET, addr, 80));
		fuzz_use(&f, addr_filter_match(&f, AF_INET6, addr, (uint16_t)f.port));
	}
	free(s);
	return 0;
}

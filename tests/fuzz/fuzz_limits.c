// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/PID/limits: parse_nofile_limit(), the soft "Max open files". */
#include "proc/pid.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	uint64_t soft;

	if (!text)
		return 0;
	if (!parse_nofile_limit(text, &soft) && !strstr(text, "Max open files "))
		abort();
	free(text);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/PID/limits: proc_parse_nofile(), the soft "Max open files". */
#include "scan/fdtable.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	uint64_t soft;

	if (!text)
		return 0;
	if (!proc_parse_nofile(text, &soft) && !strstr(text, "Max open files "))
		abort();
	free(text);
	return 0;
}

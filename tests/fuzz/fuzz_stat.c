// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/PID/stat and task/TID/stat: proc_parse_stat(), which must find the
 * state after the last ')' however odd comm is, and the flags and start
 * time only in a line that has all 22 fields.
 */
#include "scan/proc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *stat = fuzz_string(data, size);
	struct proc_stat_info st;

	if (!stat)
		return 0;
	if (!proc_parse_stat(stat, &st)) {
		const char *paren = strrchr(stat, ')');

		if (!paren || paren[2] != st.state)
			abort();
	}
	free(stat);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/PID/stat and task/TID/stat: task_stat_parse(), which must find the
 * state after the last ')' however odd comm is, and the flags and start
 * time only in a line that has all 22 fields.
 */
#include "proc/pid.h"
#include "proc/proc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *stat = fuzz_string(data, size);
	struct task_stat st;

	if (!stat)
		return 0;
	if (!task_stat_parse(stat, &st)) {
		const char *paren = strrchr(stat, ')');

		if (!paren || paren[2] != st.state)
			abort();
	}
	free(stat);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/PID/status: proc_status_field() and target_parse_status(), which
 * reads Name, State, Tgid, TracerPid, Uid, Seccomp, Threads, NSpid and
 * Kthread from it.  comm must come out NUL-terminated within COMM_LEN.
 */
#include "proc/target.h"
#include "proc/pid.h"
#include "proc/proc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "Name", "State", "Tgid", "NSpid", "CapEff",
					     "SigBlk", "TracerPid", "Seccomp", "" };
	char *status = fuzz_string(data, size);
	struct target_info ti = { .pid = 42 };
	bool kthread_known;
	size_t i;

	if (!status)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = proc_status_field(status, names[i]);

		if (v && (v < status || v > status + size))
			abort();
	}
	if (!target_parse_status(status, 42, &ti, &kthread_known)) {
		if (strnlen(ti.comm, COMM_LEN) >= COMM_LEN)
			abort();
		if (!kthread_known && ti.kthread)
			abort();
	}
	free(status);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pointing the /proc opener at a recorded tree: the unit tests run the
 * scanner on tests/data/proc (or $FDCLOSE_TEST_DATA/proc) without privilege.
 * Include after <cmocka.h>.
 */
#ifndef FDCLOSE_TEST_PROC_TREE_H
#define FDCLOSE_TEST_PROC_TREE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proc/proc.h"

static inline void use_root(const char *path)
{
	assert_int_equal(setenv(PROC_ROOT_ENV, path, 1), 0);
	proc_reset();
}

static inline void use_recorded_proc(void)
{
	const char *dir = getenv("FDCLOSE_TEST_DATA");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/proc", dir && *dir ? dir : "tests/data");
	if (access(path, X_OK))
		fail_msg("%s: run the tests from the repository root", path);
	use_root(path);
}

#endif

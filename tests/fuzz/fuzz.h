/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every libFuzzer target of tests/fuzz shares.  Each fuzz_NAME.c
 * defines LLVMFuzzerTestOneInput() for one parser; tests/fuzz/run.sh runs
 * it on corpus/NAME/ (make fuzz, and briefly make check).
 */
#ifndef FDCLOSE_FUZZ_H
#define FDCLOSE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input as a NUL-terminated string, as the readers hand /proc text to
 * their parsers (proc_read_all() terminates it); NULL when out of memory.
 */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Makes the compiler keep a result the target only computes. */
static inline void fuzz_use(const void *p, size_t size)
{
	__asm__ volatile("" : : "r"(p), "r"(size) : "memory");
}

#endif

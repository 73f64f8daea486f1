/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Words of a plain register image, for the arch unit tests. */
#ifndef FDCLOSE_TESTS_ARCH_REGS_ACCESS_H
#define FDCLOSE_TESTS_ARCH_REGS_ACCESS_H

#include <stdint.h>
#include <string.h>

#include "injector/internal.h"

static inline void put64(struct arch_regs *r, unsigned int word, uint64_t v)
{
	memcpy(r->bytes + word * 8, &v, 8);
}

static inline uint64_t get64(const struct arch_regs *r, unsigned int word)
{
	uint64_t v;

	memcpy(&v, r->bytes + word * 8, 8);
	return v;
}

static inline void put32(struct arch_regs *r, unsigned int word, uint32_t v)
{
	memcpy(r->bytes + word * 4, &v, 4);
}

static inline uint32_t get32(const struct arch_regs *r, unsigned int word)
{
	uint32_t v;

	memcpy(&v, r->bytes + word * 4, 4);
	return v;
}

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Monotonic time for deadlines and for measuring frozen windows. */
#ifndef FDCLOSE_CLOCK_H
#define FDCLOSE_CLOCK_H

#include <time.h>

static inline long long clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline long long timespec_diff_us(const struct timespec *a, const struct timespec *b)
{
	return ((long long)b->tv_sec - a->tv_sec) * 1000000LL + (b->tv_nsec - a->tv_nsec) / 1000;
}

#endif

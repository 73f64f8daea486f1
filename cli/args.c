// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/*
 * Strict decimal: digits only, no sign, no spaces, within [min, max].  A
 * leading zero is -EDOM: is 010 ten, or eight as C reads it?
 */
static int parse_decimal(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (s[0] == '0' && s[1])
		return -EDOM;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_pid(const char *s, pid_t *pid)
{
	long long v;
	int ret = parse_decimal(s, 1, INT_MAX, &v);

	if (!ret)
		*pid = (pid_t)v;
	return ret;
}

int parse_fd(const char *s, int *fd)
{
	long long v;
	int ret = parse_decimal(s, 0, INT_MAX, &v);

	if (!ret)
		*fd = (int)v;
	return ret;
}

int parse_port(const char *s, int *port)
{
	long long v;
	int ret = parse_decimal(s, 0, 65535, &v);

	if (!ret)
		*port = (int)v;
	return ret;
}

static const struct {
	const char *suffix;
	unsigned long long us;
} duration_units[] = {
	{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "", 1000000 },
	{ "m", 60000000 }, { "h", 3600000000ULL },
};

int parse_duration_us(const char *s, unsigned long long *us)
{
	unsigned long long whole = 0, frac = 0, scale = 1;
	const char *p = s;
	size_t i;

	if (!s || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > 1000000000ULL)
			return -ERANGE;
		whole = whole * 10 + (unsigned long long)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000ULL) {
				frac = frac * 10 + (unsigned long long)(*p - '0');
				scale *= 10;
			}
		}
	}
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		unsigned long long unit = duration_units[i].us;

		if (strcmp(p, duration_units[i].suffix))
			continue;
		if (whole > ULLONG_MAX / unit / 2)
			return -ERANGE;
		*us = whole * unit + frac * unit / scale;
		return 0;
	}
	return -EINVAL;
}

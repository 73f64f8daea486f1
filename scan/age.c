// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How long sockets have been in CLOSE_WAIT, per process: the oldest, and
 * how many in each age bucket.
 */
#include <string.h>

#include "scan/scan.h"

#define MINUTE_MS (60 * INT64_C(1000))

/*
 * Upper bounds, one per bucket before AGE_OLDER.  A minute covers a slow
 * reader or a request still being answered; ten minutes a long poll or a
 * stuck backend call; past an hour, and surely past a day, nobody is
 * coming back for the socket: it leaked.
 */
static const int64_t bucket_below_ms[AGE_OLDER] = {
	[AGE_UNDER_1M] = MINUTE_MS,
	[AGE_UNDER_10M] = 10 * MINUTE_MS,
	[AGE_UNDER_1H] = 60 * MINUTE_MS,
	[AGE_UNDER_1D] = 24 * 60 * MINUTE_MS,
};

const struct age_bucket_name age_bucket_names[AGE_BUCKETS] = {
	[AGE_UNDER_1M] = { "<1m", "under_1m" },
	[AGE_UNDER_10M] = { "<10m", "under_10m" },
	[AGE_UNDER_1H] = { "<1h", "under_1h" },
	[AGE_UNDER_1D] = { "<1d", "under_1d" },
	[AGE_OLDER] = { "older", "older" },
	[AGE_UNKNOWN] = { "unknown", "unknown" },
};

enum age_bucket age_bucket_of(int64_t age_ms)
{
	int b;

	if (age_ms < 0)
		return AGE_UNKNOWN;
	for (b = 0; b < AGE_OLDER; b++)
		if (age_ms < bucket_below_ms[b])
			return (enum age_bucket)b;
	return AGE_OLDER;
}

void proc_ages_reset(struct proc_fds *p)
{
	p->closewait = 0;
	p->oldest_ms = TCP_AGE_UNKNOWN;
	memset(p->ages, 0, sizeof(p->ages));
}

void proc_ages_add(struct proc_fds *p, int64_t age_ms)
{
	p->closewait++;
	p->ages[age_bucket_of(age_ms)]++;
	if (age_ms > p->oldest_ms)
		p->oldest_ms = age_ms;
}

void scan_count_ages(struct scan_result *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->nprocs; i++)
		proc_ages_reset(&r->procs[i]);
	/* Both are in pid order: one merge. */
	for (i = 0; i < r->count; i++) {
		const struct holder *h = &r->holders[i];

		while (k < r->nprocs && r->procs[k].pid < h->pid)
			k++;
		if (k == r->nprocs)
			break;
		if (r->procs[k].pid == h->pid && !h->dead)
			proc_ages_add(&r->procs[k], r->socks.socks[h->sock].age_ms);
	}
}

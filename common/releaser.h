/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FDCLOSE_COMMON_RELEASER_H
#define FDCLOSE_COMMON_RELEASER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Closes fds on a thread of its own.  fdclose's reference to a socket is
 * usually the last one once the process's fd is closed: closing it runs
 * the socket's whole close (the FIN, the peer's answer, the freeing), some
 * 7 us a socket, which a sweep of many processes need not wait for before
 * its next window.  Every fd handed over is closed by releaser_stop().
 */
struct releaser {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;		/* fds queued, or stopping */
	pthread_cond_t fewer;		/* some closed */
	int *fds;
	size_t n, cap;
	size_t held;			/* handed over and not closed yet */
	bool stopping;
	bool running;
};

/* 0, or -errno: then releaser_close() closes on the caller's thread. */
int releaser_start(struct releaser *r);
/* Hands fds[0..n) over (negative ones are skipped); never fails. */
void releaser_close(struct releaser *r, const int *fds, size_t n);
/*
 * Returns once at most most of the fds handed over are still open: a
 * caller about to open more stays within its RLIMIT_NOFILE.  NULL: at once.
 */
void releaser_wait_held(struct releaser *r, size_t most);
/* Returns once every fd handed over is closed, and ends the thread. */
void releaser_stop(struct releaser *r);

#endif

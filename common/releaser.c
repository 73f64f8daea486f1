// SPDX-License-Identifier: GPL-2.0-or-later
/* The thread that closes fdclose's references: see releaser.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/array.h"
#include "common/releaser.h"

/* A nice value of its own: the thread itself, not the process. */
#define RELEASER_NICE 10

static void close_all(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void *releaser_main(void *arg)
{
	struct releaser *r = arg;

	/*
	 * Behind the windows: where the CPUs are short, the main thread and
	 * the frozen target go first.  Nothing is lost if this fails.
	 */
	setpriority(PRIO_PROCESS, (id_t)gettid(), RELEASER_NICE);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		int *fds;
		size_t n;

		while (!r->n && !r->stopping)
			pthread_cond_wait(&r->more, &r->lock);
		if (!r->n)
			break;
		/* The whole queue at once: the caller goes on filling a new one. */
		fds = r->fds;
		n = r->n;
		r->fds = NULL;
		r->n = r->cap = 0;
		pthread_mutex_unlock(&r->lock);
		close_all(fds, n);
		free(fds);
		pthread_mutex_lock(&r->lock);
		r->held -= n;
		pthread_cond_broadcast(&r->fewer);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int releaser_start(struct releaser *r)
{
	sigset_t all, old;
	int ret;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->more, NULL);
	pthread_cond_init(&r->fewer, NULL);
	/* Every signal stays with the main thread: its deadline timer, ^C. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&r->thread, NULL, releaser_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->running = !ret;
	return -ret;
}

void releaser_close(struct releaser *r, const int *fds, size_t n)
{
	int *bigger;
	size_t i;

	if (!r || !r->running) {
		close_all(fds, n);
		return;
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		bigger = array_grow(r->fds, &r->cap, r->n, sizeof(*r->fds));
		if (!bigger) {
			close(fds[i]);	/* out of memory: closed here, the same in the end */
			continue;
		}
		r->fds = bigger;
		r->fds[r->n++] = fds[i];
		r->held++;
	}
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->lock);
}

void releaser_wait_held(struct releaser *r, size_t most)
{
	if (!r || !r->running)
		return;
	pthread_mutex_lock(&r->lock);
	while (r->held > most)
		pthread_cond_wait(&r->fewer, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

void releaser_stop(struct releaser *r)
{
	if (r->running) {
		pthread_mutex_lock(&r->lock);
		r->stopping = true;
		pthread_cond_signal(&r->more);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		r->running = false;
	}
	close_all(r->fds, r->n);
	free(r->fds);
	r->fds = NULL;
	r->n = r->cap = 0;
	pthread_cond_destroy(&r->fewer);
	pthread_cond_destroy(&r->more);
	pthread_mutex_destroy(&r->lock);
}

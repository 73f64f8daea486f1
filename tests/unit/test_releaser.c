// SPDX-License-Identifier: GPL-2.0-or-later
/* The thread that closes fdclose's references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "common/releaser.h"

#define PIPES 200

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* Opens PIPES pipes; their 2 * PIPES fds in fds[], with one -1 among them. */
static void open_pipes(int fds[2 * PIPES + 1])
{
	int i;

	for (i = 0; i < PIPES; i++)
		assert_int_equal(pipe(&fds[2 * i]), 0);
	fds[2 * PIPES] = -1;	/* a reference never taken: skipped */
}

static void assert_all_closed(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			assert_false(is_open(fds[i]));
}

static void test_every_fd_closed_by_stop(void **state)
{
	int fds[2 * PIPES + 1];
	struct releaser r;
	size_t k;

	(void)state;
	open_pipes(fds);
	assert_int_equal(releaser_start(&r), 0);
	/* Handed over in batches of different sizes, as windows end. */
	for (k = 0; k < 2 * PIPES + 1; k += 7)
		releaser_close(&r, &fds[k], k + 7 <= 2 * PIPES + 1 ? 7 : 2 * PIPES + 1 - k);
	releaser_stop(&r);
	assert_all_closed(fds, 2 * PIPES + 1);
}

/* Waiting for at most none held: every fd handed over is closed on return. */
static void test_wait_held_bounds_what_is_open(void **state)
{
	int fds[2 * PIPES + 1];
	struct releaser r;

	(void)state;
	open_pipes(fds);
	assert_int_equal(releaser_start(&r), 0);
	releaser_close(&r, fds, 2 * PIPES + 1);
	releaser_wait_held(&r, 0);
	assert_int_equal(r.held, 0);
	assert_all_closed(fds, 2 * PIPES + 1);
	releaser_stop(&r);
}

static void test_no_thread_closes_on_the_spot(void **state)
{
	int fds[2 * PIPES + 1];

	(void)state;
	open_pipes(fds);
	releaser_close(NULL, fds, 2 * PIPES + 1);
	assert_all_closed(fds, 2 * PIPES + 1);
}

/* The caller's own signal mask is left as it was: the thread blocks its own. */
static void test_caller_mask_untouched(void **state)
{
	sigset_t before, after;
	struct releaser r;

	(void)state;
	sigemptyset(&before);
	sigaddset(&before, SIGUSR1);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &before, NULL), 0);
	assert_int_equal(releaser_start(&r), 0);
	releaser_stop(&r);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
	assert_true(sigismember(&after, SIGUSR1));
	assert_false(sigismember(&after, SIGUSR2));
	sigemptyset(&before);
	pthread_sigmask(SIG_SETMASK, &before, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fd_closed_by_stop),
		cmocka_unit_test(test_wait_held_bounds_what_is_open),
		cmocka_unit_test(test_no_thread_closes_on_the_spot),
		cmocka_unit_test(test_caller_mask_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

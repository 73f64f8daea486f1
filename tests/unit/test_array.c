// SPDX-License-Identifier: GPL-2.0-or-later
/* The one growable array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "common/array.h"

static void test_grows_by_doubling(void **state)
{
	size_t cap = 0, n;
	int *v = NULL, *bigger;

	(void)state;
	for (n = 0; n < 1000; n++) {
		bigger = array_grow(v, &cap, n, sizeof(*v));
		assert_non_null(bigger);
		v = bigger;
		v[n] = (int)n;
		assert_true(cap > n);
	}
	assert_int_equal(cap, 1024);	/* 16, 32, ... 1024: doubled, not one by one */
	for (n = 0; n < 1000; n++)
		assert_int_equal(v[n], (int)n);
	/* Room left: the same array back, untouched. */
	assert_ptr_equal(array_grow(v, &cap, 1000, sizeof(*v)), v);
	assert_int_equal(cap, 1024);
	free(v);
}

static void test_overflow_refused(void **state)
{
	size_t cap = SIZE_MAX / 2 + 1;
	char one[1];

	(void)state;
	/* No room and no bigger size_t: NULL, and the caller's array is kept. */
	assert_null(array_grow(one, &cap, cap, 1));
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	cap = 16;
	assert_null(array_grow(NULL, &cap, 16, SIZE_MAX / 8));
	assert_int_equal(cap, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_by_doubling),
		cmocka_unit_test(test_overflow_refused),
	};

	return cmocka_run_group_tests_name("array", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* The method table, and the fdinfo flags replace keeps: no process involved. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli/method.h"
#include "scan/fdinfo.h"

static void test_methods_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(method_by_name("close"), &method_close);
	assert_ptr_equal(method_by_name("replace"), &method_replace);
	assert_ptr_equal(method_by_name("shutdown"), &method_shutdown);
	assert_null(method_by_name("Close"));
	assert_null(method_by_name(""));
	assert_null(method_by_name("shutdown "));
	assert_string_equal(method_names(), "close, replace, shutdown");
	/* Asked twice, the names are not written twice. */
	assert_string_equal(method_names(), "close, replace, shutdown");
}

static void test_what_each_method_promises(void **state)
{
	(void)state;
	assert_true(method_close.needs_ptrace && method_close.frees_number);
	assert_true(method_replace.needs_ptrace && !method_replace.frees_number);
	/* shutdown: no stop, the number kept, the socket ended once. */
	assert_false(method_shutdown.needs_ptrace);
	assert_false(method_shutdown.frees_number);
	assert_true(method_shutdown.sockets_only && method_shutdown.once_per_socket);
	assert_false(method_close.once_per_socket || method_replace.once_per_socket);
}

static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(method_result_name(&method_close, OP_DONE), "closed");
	assert_string_equal(method_result_name(&method_close, OP_WOULD), "would-close");
	assert_string_equal(method_result_name(&method_replace, OP_DONE), "replaced");
	assert_string_equal(method_result_name(&method_replace, OP_WOULD), "would-replace");
	assert_string_equal(method_result_name(&method_shutdown, OP_DONE), "shut-down");
	assert_string_equal(method_result_name(&method_shutdown, OP_WOULD), "would-shut-down");
	/* The rest is the same whatever the method. */
	assert_string_equal(method_result_name(&method_shutdown, OP_SKIPPED), "skipped");
	assert_string_equal(method_result_name(&method_replace, OP_REFUSED), "refused");
	assert_string_equal(method_result_name(&method_close, OP_FAILED), "failed");
	assert_string_equal(method_result_name(&method_close, OP_PENDING), "pending");
}

static void test_fdinfo_flags(void **state)
{
	unsigned long flags;

	(void)state;
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nflags:\t02000002\nmnt_id:\t15\n", &flags), 0);
	assert_true(flags & O_CLOEXEC);
	assert_int_equal(flags & O_ACCMODE, O_RDWR);
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nflags:\t02\nmnt_id:\t15\n", &flags), 0);
	assert_false(flags & O_CLOEXEC);
	/* flags on the first line, as no kernel prints it yet, still parses. */
	assert_int_equal(fdinfo_parse_flags("flags:\t04000\n", &flags), 0);
	assert_int_equal(flags, 04000);
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nmnt_id:\t15\n", &flags), -EINVAL);
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nflags:\t\nmnt_id:\t15\n", &flags), -EINVAL);
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nflags:\t0289\n", &flags), -EINVAL);
	/* A line cut short (no newline) is not trusted. */
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nflags:\t02", &flags), -EINVAL);
	/* "xflags:" is not "flags:". */
	assert_int_equal(fdinfo_parse_flags("pos:\t0\nxflags:\t02\n", &flags), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods_by_name),
		cmocka_unit_test(test_what_each_method_promises),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_fdinfo_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* --local and --remote: parsing ADDR[:PORT] and matching endpoints, IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "scan/scan.h"

static const uint8_t v4_loopback[16] = { 127, 0, 0, 1 };
static const uint8_t v4_other[16] = { 10, 0, 0, 1 };
static const uint8_t mapped_loopback[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
static const uint8_t v6_loopback[16] = { [15] = 1 };
static const uint8_t v6_any[16];
static const uint8_t v6_doc[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x42 };

static struct addr_filter parsed(const char *s)
{
	struct addr_filter f;

	memset(&f, 0x5a, sizeof(f));
	if (parse_addr_filter(s, &f))
		fail_msg("'%s' was refused", s);
	assert_true(f.set);
	return f;
}

static void test_parse(void **state)
{
	struct addr_filter f;

	(void)state;
	f = parsed("127.0.0.1");
	assert_false(f.any_addr);
	assert_memory_equal(f.addr, mapped_loopback, 16);	/* kept v4-mapped */
	assert_int_equal(f.port, -1);

	f = parsed("127.0.0.1:80");
	assert_memory_equal(f.addr, mapped_loopback, 16);
	assert_int_equal(f.port, 80);

	f = parsed("::1");
	assert_memory_equal(f.addr, v6_loopback, 16);
	assert_int_equal(f.port, -1);

	f = parsed("[::1]:80");
	assert_memory_equal(f.addr, v6_loopback, 16);
	assert_int_equal(f.port, 80);

	f = parsed("[::1]");
	assert_memory_equal(f.addr, v6_loopback, 16);
	assert_int_equal(f.port, -1);

	f = parsed("[::ffff:127.0.0.1]:80");
	assert_memory_equal(f.addr, mapped_loopback, 16);
	assert_int_equal(f.port, 80);

	f = parsed("::ffff:127.0.0.1");
	assert_memory_equal(f.addr, mapped_loopback, 16);

	f = parsed("2001:db8::42");
	assert_memory_equal(f.addr, v6_doc, 16);

	f = parsed("::");			/* the unspecified address, literally */
	assert_false(f.any_addr);
	assert_memory_equal(f.addr, v6_any, 16);

	f = parsed(":8080");
	assert_true(f.any_addr);
	assert_int_equal(f.port, 8080);

	f = parsed("*:8080");
	assert_true(f.any_addr);
	assert_int_equal(f.port, 8080);

	f = parsed("*");
	assert_true(f.any_addr);
	assert_int_equal(f.port, -1);

	f = parsed("0.0.0.0:0");
	assert_int_equal(f.port, 0);
	f = parsed(":65535");
	assert_int_equal(f.port, 65535);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"", ":", "*:", "**", "*80", "[::1", "[::1]:", "[::1]80", "[::1]:x", "[]:80", "[]",
		"::1:80:", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
		"127.0.0.1:8 0", "127.0.0.1: 80", " 127.0.0.1", "127.0.0.1 ", "127.0.0.256",
		"127.0.0", "1.2.3.4.5", "localhost", "localhost:80", "fe80::1%eth0",
		"[fe80::1%eth0]:80", ":::80", "::1::2", "[127.0.0.1:80", "127.0.0.1]:80",
		":99999", ":0x50", "[::1]:99999", "[::ffff:1.2.3.4]:80x", "12345",
		"::ffff:1.2.3.4:80", "1.2.3.4:80:90", "*:80:90",
	};
	struct addr_filter f, untouched;
	size_t i;

	(void)state;
	memset(&untouched, 0x5a, sizeof(untouched));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(&f, &untouched, sizeof(f));
		if (parse_addr_filter(bad[i], &f) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_memory_equal(&f, &untouched, sizeof(f));
	}
	assert_int_equal(parse_addr_filter(NULL, &f), -EINVAL);
}

static void test_match_unset(void **state)
{
	struct addr_filter unset = { .set = false, .port = -1 };

	(void)state;
	assert_true(addr_filter_match(&unset, AF_INET, v4_loopback, 1));
	assert_true(addr_filter_match(&unset, AF_INET6, v6_loopback, 0));
	assert_true(addr_filter_match(&unset, 0, v6_any, 0));	/* a dead socket */
}

static void test_match_v4(void **state)
{
	struct addr_filter f = parsed("127.0.0.1"), p = parsed("127.0.0.1:80");

	(void)state;
	assert_true(addr_filter_match(&f, AF_INET, v4_loopback, 80));
	assert_true(addr_filter_match(&f, AF_INET, v4_loopback, 1234));
	assert_false(addr_filter_match(&f, AF_INET, v4_other, 80));
	/* The same address in its v4-mapped IPv6 form, as a dual-stack socket has it. */
	assert_true(addr_filter_match(&f, AF_INET6, mapped_loopback, 80));
	assert_false(addr_filter_match(&f, AF_INET6, v6_loopback, 80));
	assert_true(addr_filter_match(&p, AF_INET, v4_loopback, 80));
	assert_false(addr_filter_match(&p, AF_INET, v4_loopback, 81));
	assert_true(addr_filter_match(&p, AF_INET6, mapped_loopback, 80));
	assert_false(addr_filter_match(&p, AF_INET6, mapped_loopback, 8080));
	assert_false(addr_filter_match(&f, AF_UNIX, v4_loopback, 80));
}

static void test_match_v4_mapped_filter(void **state)
{
	struct addr_filter f = parsed("[::ffff:127.0.0.1]:80");

	(void)state;
	/* Either way round: the mapped filter matches the plain IPv4 socket. */
	assert_true(addr_filter_match(&f, AF_INET, v4_loopback, 80));
	assert_true(addr_filter_match(&f, AF_INET6, mapped_loopback, 80));
	assert_false(addr_filter_match(&f, AF_INET, v4_other, 80));
	assert_false(addr_filter_match(&f, AF_INET, v4_loopback, 81));
}

static void test_match_v6(void **state)
{
	struct addr_filter f = parsed("[::1]:8080"), doc = parsed("2001:db8::42");
	/* An IPv4 socket's address is in the first four bytes; the rest is not looked at. */
	uint8_t v4_noise[16] = { 0, 0, 0, 0, [15] = 1 };

	(void)state;
	assert_true(addr_filter_match(&f, AF_INET6, v6_loopback, 8080));
	assert_false(addr_filter_match(&f, AF_INET6, v6_loopback, 80));
	assert_false(addr_filter_match(&f, AF_INET6, v6_doc, 8080));
	assert_false(addr_filter_match(&f, AF_INET, v4_noise, 8080));
	assert_true(addr_filter_match(&doc, AF_INET6, v6_doc, 1));
	assert_false(addr_filter_match(&doc, AF_INET6, mapped_loopback, 1));
}

static void test_match_port_only(void **state)
{
	struct addr_filter f = parsed(":8080"), star = parsed("*:8080"), any = parsed("*");

	(void)state;
	assert_true(addr_filter_match(&f, AF_INET, v4_loopback, 8080));
	assert_true(addr_filter_match(&f, AF_INET6, v6_doc, 8080));
	assert_false(addr_filter_match(&f, AF_INET, v4_loopback, 8081));
	assert_true(addr_filter_match(&star, AF_INET6, mapped_loopback, 8080));
	assert_false(addr_filter_match(&star, AF_INET6, mapped_loopback, 80));
	assert_true(addr_filter_match(&any, AF_INET, v4_other, 1));
	assert_true(addr_filter_match(&any, AF_INET6, v6_any, 0));
	/* Set, so only real endpoints: a dead socket (no family) never matches. */
	assert_false(addr_filter_match(&any, 0, v6_any, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_match_unset),
		cmocka_unit_test(test_match_v4),
		cmocka_unit_test(test_match_v4_mapped_filter),
		cmocka_unit_test(test_match_v6),
		cmocka_unit_test(test_match_port_only),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}

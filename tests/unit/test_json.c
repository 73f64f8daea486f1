// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON Lines writer: exact output, escaping, and what it does with bad bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

/* Writes j's line into a string the caller frees. */
static char *end_to_string(struct json_line *j)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(json_end(j, out), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

/* One string field's line, for the escaping tests. */
static char *one_string(const char *val)
{
	struct json_line j = { 0 };
	char *text;

	json_begin(&j);
	json_add_str(&j, "s", val);
	text = end_to_string(&j);
	json_free(&j);
	return text;
}

static void string_is(const char *val, const char *want_escaped)
{
	char want[512];
	char *got = one_string(val);

	snprintf(want, sizeof(want), "{\"s\":\"%s\"}\n", want_escaped);
	assert_string_equal(got, want);
	free(got);
}

static void test_every_kind(void **state)
{
	struct json_line j = { 0 };
	char *text;

	(void)state;
	json_begin(&j);
	json_add_str(&j, "result", "closed");
	json_add_i64(&j, "pid", 42);
	json_add_i64(&j, "neg", INT64_MIN);
	json_add_u64(&j, "inode", UINT64_MAX);
	json_add_bool(&j, "yes", true);
	json_add_bool(&j, "no", false);
	json_add_null(&j, "error");
	text = end_to_string(&j);
	assert_string_equal(text, "{\"result\":\"closed\",\"pid\":42,"
			    "\"neg\":-9223372036854775808,\"inode\":18446744073709551615,"
			    "\"yes\":true,\"no\":false,\"error\":null}\n");
	free(text);
	json_free(&j);
	assert_null(j.buf);
}

static void test_empty_object_and_reuse(void **state)
{
	struct json_line j = { 0 };
	char *text;

	(void)state;
	json_begin(&j);
	text = end_to_string(&j);
	assert_string_equal(text, "{}\n");
	free(text);

	/* The next line starts afresh: no comma, no leftovers. */
	json_begin(&j);
	json_add_i64(&j, "fd", 7);
	text = end_to_string(&j);
	assert_string_equal(text, "{\"fd\":7}\n");
	free(text);
	json_free(&j);
}

static void test_escapes(void **state)
{
	(void)state;
	string_is("plain text / slash", "plain text / slash");
	string_is("a\"b", "a\\\"b");
	string_is("back\\slash", "back\\\\slash");
	string_is("nl\ntab\tcr\rbs\bff\f", "nl\\ntab\\tcr\\rbs\\bff\\f");
	string_is("\x01\x1f\x7f", "\\u0001\\u001f\\u007f");
	string_is("", "");
}

static void test_keys_escaped(void **state)
{
	struct json_line j = { 0 };
	char *text;

	(void)state;
	json_begin(&j);
	json_add_bool(&j, "we\"ird", true);
	text = end_to_string(&j);
	assert_string_equal(text, "{\"we\\\"ird\":true}\n");
	free(text);
	json_free(&j);
}

static void test_valid_utf8_passes(void **state)
{
	(void)state;
	string_is("caf\xc3\xa9", "caf\xc3\xa9");
	string_is("\xe2\x82\xac 5", "\xe2\x82\xac 5");
	string_is("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	string_is("\xef\xbf\xbd", "\xef\xbf\xbd");
	string_is("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
}

/* Each byte that is not part of a well-formed sequence becomes \ufffd. */
static void test_invalid_utf8_replaced(void **state)
{
	(void)state;
	string_is("a\xff" "b", "a\\ufffdb");
	string_is("\x80", "\\ufffd");
	string_is("\xc0\xaf", "\\ufffd\\ufffd");		/* overlong '/' */
	string_is("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");	/* overlong */
	string_is("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");	/* surrogate */
	string_is("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");	/* past U+10FFFF */
	string_is("\xf8\x88\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	string_is("x\xe2\x82", "x\\ufffd\\ufffd");		/* cut short */
	string_is("\xe2\x82x", "\\ufffd\\ufffdx");
	string_is("\xc3\xa9\xc3", "\xc3\xa9\\ufffd");
}

static void test_utf8_seq_len(void **state)
{
	const unsigned char *two = (const unsigned char *)"\xc3\xa9";

	(void)state;
	assert_int_equal(utf8_seq_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(utf8_seq_len(two, 2), 2);
	assert_int_equal(utf8_seq_len(two, 1), 0);	/* n is respected */
	assert_int_equal(utf8_seq_len(two, 0), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe0\xa0\x80", 3), 3);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe0\x9f\xbf", 3), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xed\x9f\xbf", 3), 3);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x90\x80\x80", 4), 4);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x8f\xbf\xbf", 4), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc1\xbf", 2), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x28\xa1", 3), 0);
}

/* Every byte value, in every position: the output stays valid UTF-8 and JSON-safe. */
static void test_all_bytes_give_valid_output(void **state)
{
	char in[3 * 255 + 1], *text;
	const unsigned char *p;
	size_t i, n, k;

	(void)state;
	for (i = 0; i < 255; i++) {
		in[3 * i] = (char)(i + 1);
		in[3 * i + 1] = (char)(255 - i);
		in[3 * i + 2] = (char)(0x80 + i % 64);
	}
	in[sizeof(in) - 1] = '\0';
	text = one_string(in);
	p = (const unsigned char *)text;
	n = strlen(text);
	assert_int_equal(p[n - 1], '\n');
	for (i = 0; i < n - 1; i += k) {
		k = utf8_seq_len(p + i, n - 1 - i);
		if (!k || p[i] < 0x20 || p[i] == 0x7f)
			fail_msg("byte %zu (0x%02x) of the output is not valid", i, p[i]);
	}
	free(text);
}

static void test_long_string_grows(void **state)
{
	size_t n = 100000;
	char *val = malloc(n + 1), *text;

	(void)state;
	assert_non_null(val);
	memset(val, 'q', n);
	val[n] = '\0';
	text = one_string(val);
	assert_int_equal(strlen(text), n + strlen("{\"s\":\"\"}\n"));
	assert_int_equal(text[6], 'q');
	assert_string_equal(text + 6 + n, "\"}\n");
	free(text);
	free(val);
}

/* Arrays and objects nest, with commas only between siblings. */
static void test_nested(void **state)
{
	struct json_line j = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	json_begin(&j);
	json_add_str(&j, "type", "backtrace");
	json_array_begin(&j, "threads");
	json_object_begin(&j, NULL);
	json_add_i64(&j, "tid", 7);
	json_array_begin(&j, "frames");
	json_object_begin(&j, NULL);
	json_add_u64(&j, "n", 0);
	json_object_end(&j);
	json_object_begin(&j, NULL);
	json_add_u64(&j, "n", 1);
	json_object_end(&j);
	json_array_end(&j);
	json_object_end(&j);
	json_object_begin(&j, NULL);
	json_add_i64(&j, "tid", 8);
	json_array_begin(&j, "frames");
	json_array_end(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_add_bool(&j, "after", true);
	assert_int_equal(json_end(&j, out), 0);
	fclose(out);
	assert_string_equal(text, "{\"type\":\"backtrace\",\"threads\":[{\"tid\":7,\"frames\":"
			    "[{\"n\":0},{\"n\":1}]},{\"tid\":8,\"frames\":[]}],\"after\":true}\n");
	free(text);
	json_free(&j);
}

static void test_write_error(void **state)
{
	struct json_line j = { 0 };
	FILE *ro = fopen("/dev/null", "r");

	(void)state;
	assert_non_null(ro);
	json_begin(&j);
	json_add_i64(&j, "pid", 1);
	assert_true(json_end(&j, ro) < 0);
	fclose(ro);
	json_free(&j);
}

/* A small object as a value: commas inside and after it as anywhere else. */
static void test_nested_object(void **state)
{
	struct json_line j = { 0 };
	char *text;

	(void)state;
	json_begin(&j);
	json_add_i64(&j, "pid", 7);
	json_object_begin(&j, "ages");
	json_add_u64(&j, "a", 1);
	json_add_u64(&j, "b", 2);
	json_object_end(&j);
	json_object_begin(&j, "empty");
	json_object_end(&j);
	json_add_bool(&j, "last", true);
	text = end_to_string(&j);
	assert_string_equal(text, "{\"pid\":7,\"ages\":{\"a\":1,\"b\":2},\"empty\":{},"
			    "\"last\":true}\n");
	free(text);
	json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_empty_object_and_reuse),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_keys_escaped),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_utf8_seq_len),
		cmocka_unit_test(test_all_bytes_give_valid_output),
		cmocka_unit_test(test_long_string_grows),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_nested_object),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}

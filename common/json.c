// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

static int reserve(struct json_line *j, size_t more)
{
	size_t cap;
	char *bigger;

	if (j->err)
		return j->err;
	if (more <= j->cap - j->len)
		return 0;
	cap = j->cap ? j->cap : 256;
	while (cap - j->len < more) {
		if (cap > SIZE_MAX / 2) {
			j->err = -ENOMEM;
			return j->err;
		}
		cap *= 2;
	}
	bigger = realloc(j->buf, cap);
	if (!bigger) {
		j->err = -ENOMEM;
		return j->err;
	}
	j->buf = bigger;
	j->cap = cap;
	return 0;
}

static void put_mem(struct json_line *j, const void *p, size_t n)
{
	if (reserve(j, n))
		return;
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static void put_str(struct json_line *j, const char *s)
{
	put_mem(j, s, strlen(s));
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;	/* a continuation byte, C0/C1 (overlong) or F5+ */
	/* Only the second byte's range depends on the first (RFC 3629, section 4). */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default: return NULL;
	}
}

static void put_escaped_byte(struct json_line *j, unsigned char c)
{
	const char *esc = short_escape(c);
	char hex[8];

	if (esc) {
		put_str(j, esc);
		return;
	}
	snprintf(hex, sizeof(hex), "\\u%04x", c);
	put_str(j, hex);
}

static void put_string(struct json_line *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), k;

	put_mem(j, "\"", 1);
	while (n) {
		if (*s >= 0x80) {
			k = utf8_seq_len(s, n);
			if (k)
				put_mem(j, s, k);
			else
				put_str(j, "\\ufffd");
			k = k ? k : 1;
		} else if (*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\') {
			put_escaped_byte(j, *s);
			k = 1;
		} else {
			/* A run of plain ASCII goes in one copy. */
			for (k = 1; k < n && s[k] >= 0x20 && s[k] < 0x7f &&
				    s[k] != '"' && s[k] != '\\'; k++)
				;
			put_mem(j, s, k);
		}
		s += k;
		n -= k;
	}
	put_mem(j, "\"", 1);
}

/* key NULL: an element of an array, which has no key. */
static void put_key(struct json_line *j, const char *key)
{
	if (j->fields)
		put_mem(j, ",", 1);
	j->fields = true;
	if (!key)
		return;
	put_string(j, key);
	put_mem(j, ":", 1);
}

static void open_container(struct json_line *j, const char *key, const char *bracket)
{
	put_key(j, key);
	put_str(j, bracket);
	j->fields = false;
}

static void close_container(struct json_line *j, const char *bracket)
{
	put_str(j, bracket);
	j->fields = true;
}

void json_array_begin(struct json_line *j, const char *key)
{
	open_container(j, key, "[");
}

void json_array_end(struct json_line *j)
{
	close_container(j, "]");
}

void json_object_begin(struct json_line *j, const char *key)
{
	open_container(j, key, "{");
}

void json_object_end(struct json_line *j)
{
	close_container(j, "}");
}

void json_begin(struct json_line *j)
{
	j->len = 0;
	j->err = 0;
	j->fields = false;
	put_mem(j, "{", 1);
}

void json_add_str(struct json_line *j, const char *key, const char *val)
{
	put_key(j, key);
	put_string(j, val);
}

void json_add_i64(struct json_line *j, const char *key, int64_t val)
{
	char num[24];

	put_key(j, key);
	snprintf(num, sizeof(num), "%" PRId64, val);
	put_str(j, num);
}

void json_add_u64(struct json_line *j, const char *key, uint64_t val)
{
	char num[24];

	put_key(j, key);
	snprintf(num, sizeof(num), "%" PRIu64, val);
	put_str(j, num);
}

void json_add_bool(struct json_line *j, const char *key, bool val)
{
	put_key(j, key);
	put_str(j, val ? "true" : "false");
}

void json_add_null(struct json_line *j, const char *key)
{
	put_key(j, key);
	put_str(j, "null");
}

int json_end(struct json_line *j, FILE *out)
{
	put_mem(j, "}\n", 2);
	if (j->err)
		return j->err;
	errno = 0;
	if (fwrite(j->buf, 1, j->len, out) != j->len)
		return errno ? -errno : -EIO;
	return 0;
}

void json_free(struct json_line *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

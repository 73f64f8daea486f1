/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A writer for JSON Lines: one object per line, built in memory and handed
 * to the stream in one piece, so a line is never half written.
 *
 *	struct json_line j = { 0 };
 *
 *	json_begin(&j);
 *	json_add_i64(&j, "pid", pid);
 *	json_add_str(&j, "result", "closed");
 *	ret = json_end(&j, stdout);
 *	... more lines, each from json_begin() to json_end() ...
 *	json_free(&j);
 *
 * writes {"pid":42,"result":"closed"} and a newline.
 * The add functions cannot fail: the first error (ENOMEM) is kept and
 * returned by json_end(), which then writes nothing.
 *
 * Strings are arbitrary bytes (process names are): quote, backslash and
 * control characters are escaped (\n, \t, ... or \u00XX; DEL too, so a
 * terminal is safe), valid UTF-8 passes through, and each byte that is not
 * part of a valid UTF-8 sequence becomes U+FFFD (\ufffd).  The output is
 * thus always valid JSON and valid UTF-8, at the price of not telling two
 * invalid bytes apart.
 */
#ifndef FDCLOSE_JSON_H
#define FDCLOSE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_line {
	char *buf;
	size_t len;
	size_t cap;
	int err;		/* first -errno since json_begin() */
	bool fields;		/* the next field needs a comma */
};

/* Starts a new object; the buffer of the previous line is reused. */
void json_begin(struct json_line *j);
void json_add_str(struct json_line *j, const char *key, const char *val);
void json_add_i64(struct json_line *j, const char *key, int64_t val);
void json_add_u64(struct json_line *j, const char *key, uint64_t val);
void json_add_bool(struct json_line *j, const char *key, bool val);
void json_add_null(struct json_line *j, const char *key);
/* Closes the object and writes it with its newline in one fwrite; 0 or -errno. */
/*
 * Nested values: an array or an object under key, or, with key NULL, as an
 * element of the array being written.  Each begin has its end.
 */
void json_array_begin(struct json_line *j, const char *key);
void json_array_end(struct json_line *j);
void json_object_begin(struct json_line *j, const char *key);
void json_object_end(struct json_line *j);
int json_end(struct json_line *j, FILE *out);
void json_free(struct json_line *j);

/*
 * Length (1 to 4) of the well-formed UTF-8 sequence at s, looking at no more
 * than n bytes, or 0 if there is none: overlong forms, surrogates and code
 * points past U+10FFFF are refused.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one growable array: every list fdclose builds grows through it. */
#ifndef FDCLOSE_ARRAY_H
#define FDCLOSE_ARRAY_H

#include <stddef.h>

/*
 * Room for element number count (0-based) in v, an array of *cap elements
 * of size bytes: v itself while count < *cap, else v moved to twice the
 * room (16 at first) with *cap updated.  NULL when memory or size_t runs
 * out; v is then untouched and still the caller's to free.
 */
void *array_grow(void *v, size_t *cap, size_t count, size_t size);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdint.h>
#include <stdlib.h>

#include "common/array.h"

void *array_grow(void *v, size_t *cap, size_t count, size_t size)
{
	size_t bigger;

	if (count < *cap)
		return v;
	if (*cap > SIZE_MAX / 2)
		return NULL;
	bigger = *cap ? *cap * 2 : 16;
	if (bigger <= count)
		bigger = count + 1;
	if (!size || bigger > SIZE_MAX / size)
		return NULL;
	v = realloc(v, bigger * size);
	if (v)
		*cap = bigger;
	return v;
}

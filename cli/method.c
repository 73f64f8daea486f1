// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "cli/method.h"

const struct method method_close = {
	.name = "close",
	.verb = "close",
	.done = "closed",
	.done_json = "closed",
	.would_json = "would-close",
	.how = "ptrace",
	.needs_ptrace = true,
	.frees_number = true,
	.run = ops_close,
};

const struct method method_replace = {
	.name = "replace",
	.verb = "replace",
	.done = "replaced",
	.done_json = "replaced",
	.would_json = "would-replace",
	.how = "ptrace",
	.needs_ptrace = true,
	.run = ops_replace,
};

const struct method method_shutdown = {
	.name = "shutdown",
	.verb = "shut down",
	.done = "shut down",
	.done_json = "shut-down",
	.would_json = "would-shut-down",
	.how = "pidfd_getfd",
	.sockets_only = true,
	.once_per_socket = true,
	.run = ops_shutdown,
};

static const struct method *const methods[] = {
	&method_close, &method_replace, &method_shutdown,
};

const struct method *method_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i]->name, name))
			return methods[i];
	return NULL;
}

const char *method_names(void)
{
	static char names[64];
	size_t i, len = 0;

	if (names[0])
		return names;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i ? ", " : "", methods[i]->name);
	return names;
}

const char *method_result_name(const struct method *m, enum op_result r)
{
	switch (r) {
	case OP_PENDING: return "pending";
	case OP_DONE: return m->done_json;
	case OP_SKIPPED: return "skipped";
	case OP_REFUSED: return "refused";
	case OP_FAILED: return "failed";
	case OP_WOULD: return m->would_json;
	}
	return "unknown";
}

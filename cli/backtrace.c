// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --backtrace: where each thread of the target stood, for the post-mortem,
 * taken in a short freeze of its own before anything is done.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/backtrace.h"
#include "cli/refuse.h"
#include "cli/job.h"
#include "cli/output.h"
#include "common/diag.h"
#include "common/json.h"
#include "injector/injector.h"

/* "libc.so.6+0x10e2ad": the file's last component and where pc is in it. */
static void module_text(const struct evidence_frame *f, char *buf, size_t size)
{
	const char *base = strrchr(f->module, '/');

	if (!f->module[0])
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%s+0x%" PRIx64, base ? base + 1 : f->module,
			 f->module_offset);
}

static void print_thread_text(const struct thread_evidence *t)
{
	char where[64], module[200];
	size_t i;

	if (t->syscall >= 0)
		snprintf(where, sizeof(where), "in syscall %ld", t->syscall);
	else
		snprintf(where, sizeof(where), "running");
	printf("thread %d (%s): %s at 0x%" PRIx64 ": %s\n", t->tid, t->arch ? t->arch : "?",
	       where, t->pc, t->insn[0] ? t->insn : "?");
	if (!t->walked)
		printf("  (its stack is not walked: %s frames)\n", t->arch ? t->arch : "unknown");
	for (i = 0; i < t->nframes; i++) {
		const struct evidence_frame *f = &t->frames[i];

		module_text(f, module, sizeof(module));
		if (f->function[0])
			printf("  #%zu 0x%" PRIx64 " %s+0x%" PRIx64 " (%s)\n", i, f->pc, f->function,
			       f->function_offset, module);
		else
			printf("  #%zu 0x%" PRIx64 " %s\n", i, f->pc, module);
	}
}

static void add_hex(struct json_line *j, const char *key, uint64_t v)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
	json_add_str(j, key, hex);
}

static int print_json(const struct target_info *ti, const struct evidence *ev)
{
	struct json_line j = { 0 };
	size_t i, k;
	int ret;

	json_begin(&j);
	json_add_str(&j, "type", "backtrace");
	json_add_i64(&j, "pid", ti->pid);
	json_add_str(&j, "comm", ti->comm);
	json_add_i64(&j, "frozen_us", ev->frozen_us);
	json_array_begin(&j, "threads");
	for (i = 0; i < ev->count; i++) {
		const struct thread_evidence *t = &ev->threads[i];

		json_object_begin(&j, NULL);
		json_add_i64(&j, "tid", t->tid);
		json_add_str(&j, "arch", t->arch ? t->arch : "?");
		if (t->syscall >= 0)
			json_add_i64(&j, "syscall", t->syscall);
		else
			json_add_null(&j, "syscall");
		add_hex(&j, "pc", t->pc);
		json_add_str(&j, "insn", t->insn);
		json_add_bool(&j, "walked", t->walked);
		json_array_begin(&j, "frames");
		for (k = 0; k < t->nframes; k++) {
			const struct evidence_frame *f = &t->frames[k];

			json_object_begin(&j, NULL);
			json_add_u64(&j, "n", k);
			add_hex(&j, "pc", f->pc);
			json_add_str(&j, "function", f->function);
			json_add_u64(&j, "offset", f->function_offset);
			json_add_str(&j, "module", f->module);
			add_hex(&j, "module_offset", f->module_offset);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	ret = json_end(&j, stdout);
	json_free(&j);
	return ret;
}

static void print_evidence(const struct options *opt, const struct target_info *ti,
			   const struct evidence *ev)
{
	size_t i;

	if (opt->json) {
		if (print_json(ti, ev))
			pr_errno(ENOMEM, "writing JSON");
	} else {
		printf("pid %d (%s): %zu thread%s, held %lld us to read where they stood\n",
		       ti->pid, ti->comm, ev->count, ev->count == 1 ? "" : "s", ev->frozen_us);
		for (i = 0; i < ev->count; i++)
			print_thread_text(&ev->threads[i]);
	}
	fflush(stdout);
}

int backtrace_take(const struct options *opt, const struct target_info *ti)
{
	struct op_params params = { .timeout_ms = opt->timeout_ms };
	struct evidence ev;
	sigset_t held;
	int ret;

	/* A ^C during the freeze lands after thaw, as for every window. */
	signals_hold(&held);
	ret = ops_backtrace(ti->pid, &params, &ev);
	signals_release(&held);
	if (ret) {
		target_explain(ti, ret);
		return ret;
	}
	print_evidence(opt, ti, &ev);
	evidence_free(&ev);
	return 0;
}

int cmd_backtrace(const struct options *opt)
{
	struct job job = { .pid = opt->target };
	char why[256];
	int ret;

	injector_init();
	ret = job_admit(opt, &job, why, sizeof(why));
	if (ret)
		pr_err("%s", why);
	else
		ret = backtrace_take(opt, &job.ti);
	job_release(&job);
	return ret ? EXIT_FAILED : EXIT_OK;
}

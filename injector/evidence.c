// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libunwind-ptrace.h>

#include "common/array.h"
#include "common/diag.h"
#include "injector/evidence.h"
#include "injector/internal.h"
#include "proc/proc.h"

/* One mapping of /proc/PID/maps that is backed by a file. */
struct mapping {
	uint64_t start, end, offset;
	char path[160];
};

struct maps {
	struct mapping *m;
	size_t count;
};

static int maps_read(pid_t pid, struct maps *maps)
{
	char *text, *line, *save;
	size_t len, cap = 0;
	int ret;

	maps->m = NULL;
	maps->count = 0;
	ret = proc_read_all(&text, &len, "%d/maps", pid);
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mapping one = { 0 }, *bigger;
		int path_at = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n",
			   &one.start, &one.end, &one.offset, &path_at) < 3 || !path_at ||
		    line[path_at] != '/')
			continue;
		snprintf(one.path, sizeof(one.path), "%s", line + path_at);
		bigger = array_grow(maps->m, &cap, maps->count, sizeof(*bigger));
		if (!bigger) {
			ret = -ENOMEM;
			break;
		}
		maps->m = bigger;
		maps->m[maps->count++] = one;
	}
	free(text);
	return ret;
}

static void frame_module(const struct maps *maps, struct evidence_frame *f)
{
	size_t i;

	if (!maps)
		return;
	for (i = 0; i < maps->count; i++) {
		const struct mapping *m = &maps->m[i];

		if (f->pc >= m->start && f->pc < m->end) {
			snprintf(f->module, sizeof(f->module), "%s", m->path);
			f->module_offset = f->pc - m->start + m->offset;
			return;
		}
	}
}

static void walk_frames(pid_t tid, const struct maps *maps, struct thread_evidence *t)
{
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	unw_cursor_t cursor;
	void *upt;

	if (!as)
		return;
	upt = _UPT_create(tid);
	if (!upt)
		goto destroy_as;
	if (unw_init_remote(&cursor, as, upt) < 0)
		goto destroy_upt;
	do {
		struct evidence_frame *f = &t->frames[t->nframes];
		unw_word_t ip = 0, off = 0;

		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		f->pc = ip;
		if (unw_get_proc_name(&cursor, f->function, sizeof(f->function), &off) < 0)
			f->function[0] = '\0';
		f->function_offset = off;
		frame_module(maps, f);
	} while (++t->nframes < EVIDENCE_FRAMES && unw_step(&cursor) > 0);
destroy_upt:
	_UPT_destroy(upt);
destroy_as:
	unw_destroy_addr_space(as);
}

/* -v: the worker's frames on one line, names only. */
static void print_frames(pid_t tid)
{
	struct thread_evidence t = { .tid = tid };
	char line[1024];
	size_t i, len = 0;

	walk_frames(tid, NULL, &t);
	for (i = 0; i < t.nframes; i++) {
		const struct evidence_frame *f = &t.frames[i];
		int n = snprintf(line + len, sizeof(line) - len, " #%zu %s+0x%" PRIx64, i,
				 f->function[0] ? f->function : "?", f->function_offset);

		if (n < 0 || (size_t)n >= sizeof(line) - len)
			break;
		len += (size_t)n;
	}
	pr_verbose("thread %d stack:%s", tid, len ? line : " (none)");
}

void evidence_print(const struct frozen *fz)
{
	const struct frozen_thread *w = fz->worker;
	long nr;

	if (!w || !fz->arch)
		return;
	nr = fz->arch->get_syscall_nr(&w->regs);
	if (nr >= 0)
		pr_verbose("pid %d: %s thread %d was in syscall %ld at pc 0x%" PRIx64
			   "; injecting at 0x%" PRIx64, fz->pid, fz->arch->name, w->tid, nr,
			   fz->arch->get_pc(&w->regs), fz->site);
	else if (fz->site == fz->arch->get_pc(&w->regs))
		/* arm64 rewinds an interrupted syscall: its pc is back on the instruction. */
		pr_verbose("pid %d: %s thread %d stood on a syscall instruction at pc 0x%" PRIx64
			   "; injecting there", fz->pid, fz->arch->name, w->tid, fz->site);
	else
		pr_verbose("pid %d: %s thread %d was running at pc 0x%" PRIx64
			   "; injecting at 0x%" PRIx64 " in the [vdso]", fz->pid, fz->arch->name,
			   w->tid, fz->arch->get_pc(&w->regs), fz->site);
	/* libunwind-ptrace unwinds the frames of its own build's ABI only. */
	if (fz->arch == arch_native())
		print_frames(w->tid);
	else
		pr_verbose("thread %d stack: not walked (%s frames)", w->tid, fz->arch->name);
}

static void thread_collect(const struct frozen *fz, pid_t tid, const struct maps *maps,
			   struct thread_evidence *t)
{
	const struct arch_personality *arch;
	struct arch_regs regs;
	uint8_t code[16];

	t->tid = tid;
	t->syscall = -1;
	if (regs_get(tid, &regs))
		return;
	arch = arch_personality_for(regs.len);
	if (!arch)
		return;
	t->arch = arch->name;
	t->pc = arch->get_pc(&regs);
	t->syscall = arch->get_syscall_nr(&regs);
	if (!remote_read(fz->pid, t->pc, code, sizeof(code)))
		site_insn_text(arch, code, sizeof(code), t->pc, t->insn, sizeof(t->insn));
	/* libunwind-ptrace unwinds the frames of its own build's ABI only. */
	t->walked = arch == arch_native();
	if (t->walked)
		walk_frames(tid, maps, t);
}

int evidence_collect(const struct frozen *fz, struct evidence *ev)
{
	struct maps maps;
	size_t i;
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->pid = fz->pid;
	ev->threads = calloc(fz->count ? fz->count : 1, sizeof(*ev->threads));
	if (!ev->threads)
		return -ENOMEM;
	ret = maps_read(fz->pid, &maps);
	if (ret == -ENOMEM)
		goto free_threads;
	for (i = 0; i < fz->count; i++)
		if (fz->threads[i].stop == STOP_EVENT || fz->threads[i].stop == STOP_SIGNAL)
			thread_collect(fz, fz->threads[i].tid, &maps, &ev->threads[ev->count++]);
	free(maps.m);
	return 0;

free_threads:
	free(ev->threads);
	ev->threads = NULL;
	return ret;
}

void evidence_free(struct evidence *ev)
{
	free(ev->threads);
	ev->threads = NULL;
	ev->count = 0;
}

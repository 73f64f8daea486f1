// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libunwind-ptrace.h>

#include "common/diag.h"
#include "injector/evidence.h"
#include "injector/internal.h"

#define MAX_FRAMES 12

static void print_frames(pid_t tid)
{
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	unw_cursor_t cursor;
	char line[1024];
	size_t len = 0;
	void *upt;
	int depth = 0;

	if (!as)
		return;
	upt = _UPT_create(tid);
	if (!upt)
		goto destroy_as;
	if (unw_init_remote(&cursor, as, upt) < 0)
		goto destroy_upt;
	do {
		unw_word_t ip = 0, off = 0;
		char name[128];
		int n;

		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		if (unw_get_proc_name(&cursor, name, sizeof(name), &off) < 0)
			snprintf(name, sizeof(name), "?");
		n = snprintf(line + len, sizeof(line) - len, " #%d %s+0x%lx", depth, name,
			     (unsigned long)off);
		if (n < 0 || (size_t)n >= sizeof(line) - len)
			break;
		len += (size_t)n;
	} while (++depth < MAX_FRAMES && unw_step(&cursor) > 0);
	pr_verbose("thread %d stack:%s", tid, len ? line : " (none)");
destroy_upt:
	_UPT_destroy(upt);
destroy_as:
	unw_destroy_addr_space(as);
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

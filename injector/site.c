// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the syscall instruction is.  Memory and maps are read through the
 * worker thread's id: a zombie main thread has no memory to read.  A thread stopped in a syscall has one
 * right behind its pc; otherwise the [vdso] holds one (its fallback paths
 * enter the kernel).  Bytes are read with process_vm_readv and decoded with
 * capstone before they are trusted: a 0f 05 in the middle of some other
 * instruction is not a syscall.  Nothing is ever written to the target here.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "common/diag.h"
#include "injector/internal.h"
#include "proc/proc.h"

#define VDSO_MAX (64 * 1024)

struct decoder {
	int cs_arch;
	int cs_mode;
	csh handle;
	bool open;
};

static struct decoder decoders[4];

/* Capstone handles are opened once and kept: opening one costs more than a close. */
static int decoder_get(const struct arch_personality *arch, csh *handle)
{
	size_t i;

	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		struct decoder *d = &decoders[i];

		if (d->open && d->cs_arch == arch->cs_arch && d->cs_mode == arch->cs_mode) {
			*handle = d->handle;
			return 0;
		}
		if (d->open)
			continue;
		if (cs_open((cs_arch)arch->cs_arch, (cs_mode)arch->cs_mode, &d->handle) != CS_ERR_OK)
			return -EINVAL;
		d->cs_arch = arch->cs_arch;
		d->cs_mode = arch->cs_mode;
		d->open = true;
		*handle = d->handle;
		return 0;
	}
	return -ENOMEM;
}

/* Decodes once ahead of time: capstone's first decode builds tables (~200 us). */
int site_decoder_prepare(const struct arch_personality *arch)
{
	if (!site_is_syscall(arch, arch->syscall_insn, arch->syscall_insn_len, 0))
		return -EINVAL;
	return 0;
}

/* True when code[0..len) starts with the personality's syscall instruction. */
bool site_is_syscall(const struct arch_personality *arch, const uint8_t *code, size_t len,
		     uint64_t addr)
{
	const uint8_t *p = code;
	size_t left = len;
	uint64_t at = addr;
	bool found = false;
	cs_insn *insn;
	csh handle;

	if (len < arch->syscall_insn_len ||
	    memcmp(code, arch->syscall_insn, arch->syscall_insn_len))
		return false;
	if (decoder_get(arch, &handle))
		return false;
	insn = cs_malloc(handle);
	if (!insn)
		return false;
	if (cs_disasm_iter(handle, &p, &left, &at, insn))
		found = insn->id == arch->cs_syscall_id && insn->size == arch->syscall_insn_len;
	cs_free(insn, 1);
	return found;
}

int site_insn_text(const struct arch_personality *arch, const uint8_t *code, size_t len,
		   uint64_t addr, char *buf, size_t size)
{
	const uint8_t *p = code;
	size_t left = len;
	uint64_t at = addr;
	cs_insn *insn;
	csh handle;
	int ret = -EINVAL;

	if (decoder_get(arch, &handle))
		return -EINVAL;
	insn = cs_malloc(handle);
	if (!insn)
		return -ENOMEM;
	if (cs_disasm_iter(handle, &p, &left, &at, insn)) {
		snprintf(buf, size, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);
		ret = 0;
	}
	cs_free(insn, 1);
	return ret;
}

/*
 * Exactly the personality's syscall instruction, read alone at addr: given
 * only these bytes, capstone can answer nothing but what it answers for
 * arch->syscall_insn itself, which tests/unit/test_arch.c checks for every
 * personality.  So the bytes are compared and the decoder is not woken:
 * its first decode costs ~0.7 ms, a third of a one-fd close.  Bytes inside
 * a longer image (the [vdso]) still go through capstone, which alone knows
 * where its instructions begin.
 */
static bool remote_is_syscall(struct frozen *fz, uint64_t addr)
{
	uint8_t code[ARCH_INSN_MAX];
	size_t len = fz->arch->syscall_insn_len;

	if (remote_read(fz->worker->tid, addr, code, len))
		return false;
	return !memcmp(code, fz->arch->syscall_insn, len);
}

static int vdso_range(pid_t pid, uint64_t *start, uint64_t *end)
{
	char *maps, *line;
	size_t len;
	int ret = proc_read_all(&maps, &len, "%d/maps", pid);

	if (ret)
		return ret;
	ret = -ENOENT;
	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);

		if (n < 6 || memcmp(line + n - 6, "[vdso]", 6))
			continue;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, start, end) == 2)
			ret = 0;
		break;
	}
	free(maps);
	return ret;
}

/* The executable bytes of an in-memory ELF image (the vdso): offset and size. */
static int elf_text(const uint8_t *img, size_t len, size_t *off, size_t *size)
{
	if (len < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (img[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *eh = (const void *)img;
		size_t i;

		if (eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr))
			return -ENOEXEC;
		for (i = 0; i < eh->e_phnum; i++) {
			const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(*ph));

			if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
			    ph->p_offset < len) {
				*off = ph->p_offset;
				*size = ph->p_filesz < len - *off ? ph->p_filesz : len - *off;
				return 0;
			}
		}
	} else if (img[EI_CLASS] == ELFCLASS32) {
		const Elf32_Ehdr *eh = (const void *)img;
		size_t i;

		if (eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf32_Phdr))
			return -ENOEXEC;
		for (i = 0; i < eh->e_phnum; i++) {
			const Elf32_Phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(*ph));

			if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
			    ph->p_offset < len) {
				*off = ph->p_offset;
				*size = ph->p_filesz < len - *off ? ph->p_filesz : len - *off;
				return 0;
			}
		}
	}
	return -ENOEXEC;
}

/*
 * The vdso is one small ELF image mapped from its offset 0; its loadable
 * segment starts with headers and data, so the sweep decodes it one
 * instruction at a time and only trusts a syscall that falls on the sweep's
 * own instruction boundaries.  Returns the offset of a syscall, or -ENOENT.
 */
long site_scan_code(const struct arch_personality *arch, const uint8_t *img, size_t len)
{
	size_t off, size;
	cs_insn *insn;
	csh handle;
	long found = -ENOENT;
	int ret = elf_text(img, len, &off, &size);

	if (ret)
		return ret;
	ret = decoder_get(arch, &handle);
	if (ret)
		return ret;
	insn = cs_malloc(handle);
	if (!insn)
		return -ENOMEM;
	while (size > 0 && found < 0) {
		const uint8_t *p = img + off;
		size_t left = size;
		uint64_t at = off;

		if (!cs_disasm_iter(handle, &p, &left, &at, insn)) {
			/* Data or padding capstone cannot decode: step to the next boundary. */
			size_t step = arch->insn_align < size ? arch->insn_align : size;

			off += step;
			size -= step;
			continue;
		}
		if (insn->id == arch->cs_syscall_id &&
		    site_is_syscall(arch, img + off, size, off))
			found = (long)off;
		off += insn->size;
		size -= insn->size;
	}
	cs_free(insn, 1);
	return found;
}

static int find_in_vdso(struct frozen *fz)
{
	uint64_t start, end;
	uint8_t *img;
	long off;
	int ret = vdso_range(fz->worker->tid, &start, &end);

	if (ret)
		return ret;
	if (end <= start || end - start > VDSO_MAX)
		return -ERANGE;
	img = malloc(end - start);
	if (!img)
		return -ENOMEM;
	ret = remote_read(fz->worker->tid, start, img, end - start);
	if (ret)
		goto free_img;
	off = site_scan_code(fz->arch, img, end - start);
	if (off < 0) {
		ret = (int)off;
		goto free_img;
	}
	fz->site = start + (uint64_t)off;
	pr_verbose("pid %d: syscall instruction in [vdso] at 0x%" PRIx64, fz->pid, fz->site);
free_img:
	free(img);
	return ret;
}

int site_find(struct frozen *fz)
{
	const struct arch_personality *arch = fz->arch;
	const struct arch_regs *regs = &fz->worker->regs;
	uint64_t pc = arch->get_pc(regs);

	if (arch->get_syscall_nr(regs) >= 0 && pc >= arch->syscall_insn_len &&
	    remote_is_syscall(fz, pc - arch->syscall_insn_len)) {
		fz->site = pc - arch->syscall_insn_len;
		return 0;
	}
	if (remote_is_syscall(fz, pc)) {
		fz->site = pc;
		return 0;
	}
	return find_in_vdso(fz);
}

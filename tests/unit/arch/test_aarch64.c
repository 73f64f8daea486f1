// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The aarch64 personality on plain register images: no process involved,
 * so it runs on every host (arch/aarch64.c is plain C).
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/arch.h"
#include "injector/internal.h"
#include "tests/unit/arch/regs_access.h"

/* struct user_pt_regs: x0..x30, sp, pc, pstate, in 64-bit words. */
enum { A_X0 = 0, A_X7 = 7, A_X8 = 8, A_X30 = 30, A_SP = 31, A_PC = 32, A_PSTATE = 33,
       A_WORDS = 34 };

/* Every word distinct, as an interrupt stop would show it (no syscall number). */
static struct arch_regs arm64_image(void)
{
	struct arch_regs r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.len = A_WORDS * 8;
	r.scno = -1;
	for (i = 0; i < A_WORDS; i++)
		put64(&r, i, 0x0101010101010101ULL * (i + 1));
	return r;
}

static void test_personality_by_regset_size(void **state)
{
	const struct arch_personality *a = arch_personality_for(272);

	(void)state;
	assert_non_null(a);
	assert_string_equal(a->name, "aarch64");
	assert_ptr_equal(arch_native(), a);
	/* A 32-bit (compat) task's 72-byte image has no personality: it is refused. */
	assert_null(arch_personality_for(72));
	assert_null(arch_personality_for(216));
	assert_null(arch_personalities[1]);
	assert_int_equal(a->word_size, 8);
	assert_int_equal(a->red_zone, 0);
	assert_int_equal(a->insn_align, 4);
	assert_int_equal(a->inject, ARCH_INJECT_AT_ENTRY);
	assert_non_null(a->load_regsets);
	assert_non_null(a->store_regsets);
	/* AUDIT_ARCH_AARCH64: EM_AARCH64 (183), 64-bit, little-endian. */
	assert_int_equal(a->audit_arch, 0xc00000b7);
	/* No bulk loop: many fds are one injection each. */
	assert_null(a->bulk);
}

/* The generic syscall table (include/uapi/asm-generic/unistd.h). */
static void test_syscall_numbers(void **state)
{
	const struct arch_personality *a = arch_native();

	(void)state;
	assert_int_equal(a->sysno[SYSNO_CLOSE], 57);
	assert_int_equal(a->sysno[SYSNO_DUP3], 24);
	assert_int_equal(a->sysno[SYSNO_FCNTL], 25);
	assert_int_equal(a->sysno[SYSNO_SHUTDOWN], 210);
	assert_int_equal(a->sysno[SYSNO_MMAP], 222);
	assert_int_equal(a->sysno[SYSNO_MUNMAP], 215);
	assert_int_equal(a->sysno[SYSNO_MPROTECT], 226);
	assert_int_equal(a->sysno[SYSNO_RESTART_SYSCALL], 128);
	assert_int_equal(a->sysno[SYSNO_PIPE2], 59);
}

static void test_accessors(void **state)
{
	const struct arch_personality *a = arch_native();
	struct arch_regs r = arm64_image();

	(void)state;
	put64(&r, A_PC, 0xffff8000a0001234ULL);
	put64(&r, A_SP, 0xfffffffff000ULL);
	put64(&r, A_X0, (uint64_t)-9);
	assert_true(a->get_pc(&r) == 0xffff8000a0001234ULL);
	assert_true(a->get_sp(&r) == 0xfffffffff000ULL);
	assert_int_equal(a->get_result(&r), -9);
	/* The syscall number is the NT_ARM_SYSTEM_CALL one, not x8. */
	put64(&r, A_X8, 63);
	assert_int_equal(a->get_syscall_nr(&r), -1);
	r.scno = 63;
	assert_int_equal(a->get_syscall_nr(&r), 63);
}

/* x0..x5, x8, pc and the regset's number; x7 (the syscall stops' marker) and the rest stay. */
static void test_set_syscall_touches_only_abi_registers(void **state)
{
	const struct arch_personality *a = arch_native();
	const uint64_t args[6] = { 7, 8, 9, 10, 11, 12 };
	struct arch_regs before = arm64_image(), r = before;
	unsigned int i;

	(void)state;
	a->set_syscall(&r, 0xffffa0000800ULL, 57, args);
	assert_true(get64(&r, A_PC) == 0xffffa0000800ULL);
	assert_int_equal(get64(&r, A_X8), 57);
	assert_int_equal(r.scno, 57);
	assert_int_equal(a->get_syscall_nr(&r), 57);
	for (i = 0; i < 6; i++)
		assert_int_equal(get64(&r, A_X0 + i), args[i]);
	for (i = 6; i < A_WORDS; i++)
		if (i != A_X8 && i != A_PC)
			assert_int_equal(get64(&r, i), get64(&before, i));
	assert_int_equal(get64(&r, A_X7), get64(&before, A_X7));
	assert_int_equal(r.len, before.len);
}

/*
 * The kernel rewound the call before the stop: there is no rule left to
 * apply, whatever x0 holds (a -516 is never seen at the stop, but an
 * image that looks like one must not be touched either).
 */
static void test_restart_is_the_kernels(void **state)
{
	const struct arch_personality *a = arch_native();
	const int64_t codes[] = { -512, -513, -514, -516, -4, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct arch_regs r = arm64_image(), before;

		put64(&r, A_X0, (uint64_t)codes[i]);
		r.scno = 101;
		before = r;
		assert_false(a->apply_restart(&r));
		assert_memory_equal(&r, &before, sizeof(r));
	}
}

/* The restarted call becomes what the saved image runs: x8 only, scno stays -1. */
static void test_set_restart_nr(void **state)
{
	const struct arch_personality *a = arch_native();
	struct arch_regs before = arm64_image(), r = before;
	unsigned int i;

	(void)state;
	put64(&before, A_X8, 101);	/* nanosleep */
	r = before;
	a->set_restart_nr(&r, 128);	/* restart_syscall */
	assert_int_equal(get64(&r, A_X8), 128);
	assert_int_equal(r.scno, -1);
	for (i = 0; i < A_WORDS; i++)
		if (i != A_X8)
			assert_int_equal(get64(&r, i), get64(&before, i));
}

static void test_svc_is_decoded(void **state)
{
	const struct arch_personality *a = arch_native();
	const uint8_t svc0[] = { 0x01, 0x00, 0x00, 0xd4 };
	const uint8_t svc1[] = { 0x21, 0x00, 0x00, 0xd4 };	/* svc #1 */
	const uint8_t hvc0[] = { 0x02, 0x00, 0x00, 0xd4 };
	const uint8_t brk0[] = { 0x00, 0x00, 0x20, 0xd4 };
	const uint8_t nop[] = { 0x1f, 0x20, 0x03, 0xd5 };
	char text[64];

	(void)state;
	assert_true(site_is_syscall(a, svc0, 4, 0x1000));
	assert_false(site_is_syscall(a, svc0, 3, 0x1000));
	assert_false(site_is_syscall(a, svc1, 4, 0x1000));
	assert_false(site_is_syscall(a, hvc0, 4, 0x1000));
	assert_false(site_is_syscall(a, brk0, 4, 0x1000));
	assert_false(site_is_syscall(a, nop, 4, 0x1000));
	assert_int_equal(site_insn_text(a, svc0, 4, 0x1000, text, sizeof(text)), 0);
	assert_string_equal(text, "svc #0");
}

/*
 * An ELF64 image like the arm64 vdso: a PT_LOAD whose code has an
 * undecodable word, then __kernel_rt_sigreturn (mov x8, #139; svc #0).
 * The scan keeps to 4-byte boundaries: svc bytes straddling two words are
 * not an instruction.
 */
static void test_vdso_scan_keeps_to_words(void **state)
{
	const struct arch_personality *a = arch_native();
	uint8_t img[512];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	const uint8_t code[] = {
		0x00, 0x00, 0x00, 0x00,		/* udf #0: capstone 4 decodes none */
		0x1f, 0x20, 0x01, 0x00,		/* data, then svc #0's bytes astride two words */
		0x00, 0xd4, 0x1f, 0x20,
		0x03, 0xd5, 0x1f, 0x20,
		0x68, 0x11, 0x80, 0xd2,		/* mov x8, #139 */
		0x01, 0x00, 0x00, 0xd4,		/* svc #0 */
	};
	size_t code_off = 256;

	(void)state;
	memset(img, 0, sizeof(img));
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = ELFCLASS64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = code_off;
	ph->p_filesz = sizeof(code);
	memcpy(img + code_off, code, sizeof(code));
	assert_int_equal(site_scan_code(a, img, sizeof(img)), code_off + 20);
	/* Without the real svc, the straddling bytes are not found. */
	memset(img + code_off + 20, 0, 4);
	assert_int_equal(site_scan_code(a, img, sizeof(img)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_personality_by_regset_size),
		cmocka_unit_test(test_syscall_numbers),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_set_syscall_touches_only_abi_registers),
		cmocka_unit_test(test_restart_is_the_kernels),
		cmocka_unit_test(test_set_restart_nr),
		cmocka_unit_test(test_svc_is_decoded),
		cmocka_unit_test(test_vdso_scan_keeps_to_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

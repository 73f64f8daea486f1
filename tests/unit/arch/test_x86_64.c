// SPDX-License-Identifier: GPL-2.0-or-later
/* x86_64 and i386 personalities on plain register images: no process involved. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/arch.h"
#include "arch/x86_64_bulk.h"
#include "injector/internal.h"
#include "tests/unit/arch/regs_access.h"

/* x86_64 user_regs_struct word offsets the tests poke directly. */
enum { X_RDI = 14, X_RSI = 13, X_RDX = 12, X_R10 = 7, X_R8 = 9, X_R9 = 8,
       X_RAX = 10, X_ORIG_RAX = 15, X_RIP = 16, X_RBX = 5, X_RSP = 19 };
/* i386 user_regs_struct word offsets. */
enum { I_EBX = 0, I_EAX = 6, I_ORIG_EAX = 11, I_EIP = 12, I_EBP = 5, I_ESP = 15 };

static struct arch_regs x86_64_image(void)
{
	struct arch_regs r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.len = 27 * 8;
	for (i = 0; i < 27; i++)
		put64(&r, i, 0x1111111111111111ULL * (i % 15 + 1));
	return r;
}

static void test_personality_by_regset_size(void **state)
{
	(void)state;
	assert_string_equal(arch_personality_for(216)->name, "x86_64");
	assert_string_equal(arch_personality_for(68)->name, "i386");
	assert_null(arch_personality_for(100));
	assert_ptr_equal(arch_native(), arch_personality_for(216));
	assert_int_equal(arch_personality_for(216)->sysno[SYSNO_CLOSE], 3);
	assert_int_equal(arch_personality_for(68)->sysno[SYSNO_CLOSE], 6);
	assert_int_equal(arch_personality_for(216)->sysno[SYSNO_PIPE2], 293);
	assert_int_equal(arch_personality_for(68)->sysno[SYSNO_PIPE2], 331);
	/* AUDIT_ARCH_X86_64 and AUDIT_ARCH_I386, as a seccomp filter compares them. */
	assert_int_equal(arch_personality_for(216)->audit_arch, 0xc000003e);
	assert_int_equal(arch_personality_for(68)->audit_arch, 0x40000003);
	assert_int_equal(arch_personality_for(216)->red_zone, 128);
	assert_int_equal(arch_personality_for(68)->red_zone, 0);
}

static void test_stack_pointer_of_each_personality(void **state)
{
	const struct arch_personality *a = arch_personality_for(216);
	const struct arch_personality *b = arch_personality_for(68);
	struct arch_regs r = x86_64_image(), i;

	(void)state;
	put64(&r, X_RSP, 0x7ffc12345670ULL);
	assert_true(a->get_sp(&r) == 0x7ffc12345670ULL);
	memset(&i, 0, sizeof(i));
	i.len = 68;
	put32(&i, I_ESP, 0xffb0c010U);
	put32(&i, I_EBP, 0x11111111U);
	assert_true(b->get_sp(&i) == 0xffb0c010U);
}

static void test_x86_64_set_syscall_touches_only_abi_registers(void **state)
{
	const struct arch_personality *a = arch_personality_for(216);
	const uint64_t args[6] = { 7, 8, 9, 10, 11, 12 };
	struct arch_regs before = x86_64_image(), r = before;
	unsigned int i;

	(void)state;
	a->set_syscall(&r, 0x401000, 3, args);
	assert_int_equal(get64(&r, X_RIP), 0x401000);
	assert_int_equal(get64(&r, X_RAX), 3);
	assert_int_equal((int64_t)get64(&r, X_ORIG_RAX), -1);
	assert_int_equal(get64(&r, X_RDI), 7);
	assert_int_equal(get64(&r, X_RSI), 8);
	assert_int_equal(get64(&r, X_RDX), 9);
	assert_int_equal(get64(&r, X_R10), 10);
	assert_int_equal(get64(&r, X_R8), 11);
	assert_int_equal(get64(&r, X_R9), 12);
	for (i = 0; i < 27; i++) {
		if (i == X_RIP || i == X_RAX || i == X_ORIG_RAX || i == X_RDI || i == X_RSI ||
		    i == X_RDX || i == X_R10 || i == X_R8 || i == X_R9)
			continue;
		assert_int_equal(get64(&r, i), get64(&before, i));
	}
	assert_int_equal(a->get_pc(&r), 0x401000);
	assert_int_equal(a->get_syscall_nr(&r), -1);
}

static void test_x86_64_restart_rewinds_interrupted_syscall(void **state)
{
	const struct arch_personality *a = arch_personality_for(216);
	const int64_t codes[] = { -512, -513, -514 };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct arch_regs r = x86_64_image();

		put64(&r, X_ORIG_RAX, 0);	/* read */
		put64(&r, X_RAX, (uint64_t)codes[i]);
		put64(&r, X_RIP, 0x7f0000001002);
		assert_true(a->apply_restart(&r));
		assert_int_equal(get64(&r, X_RIP), 0x7f0000001000);
		assert_int_equal(get64(&r, X_RAX), 0);
		/* Applying it again must change nothing. */
		assert_false(a->apply_restart(&r));
		assert_int_equal(get64(&r, X_RIP), 0x7f0000001000);
	}
}

static void test_x86_64_restart_block_runs_restart_syscall(void **state)
{
	const struct arch_personality *a = arch_personality_for(216);
	struct arch_regs r = x86_64_image();

	(void)state;
	put64(&r, X_ORIG_RAX, 35);	/* nanosleep */
	put64(&r, X_RAX, (uint64_t)-516);
	put64(&r, X_RIP, 0x5000);
	assert_true(a->apply_restart(&r));
	assert_int_equal(get64(&r, X_RAX), 219);
	assert_int_equal(get64(&r, X_RIP), 0x4ffe);
}

static void test_x86_64_no_restart_when_not_asked(void **state)
{
	const struct arch_personality *a = arch_personality_for(216);
	struct arch_regs r = x86_64_image(), before;

	(void)state;
	/* A syscall that returned for good (-EINTR) or a busy thread: untouched. */
	put64(&r, X_ORIG_RAX, 0);
	put64(&r, X_RAX, (uint64_t)-4);
	before = r;
	assert_false(a->apply_restart(&r));
	assert_memory_equal(r.bytes, before.bytes, r.len);
	put64(&r, X_ORIG_RAX, (uint64_t)-1);
	put64(&r, X_RAX, (uint64_t)-512);
	before = r;
	assert_false(a->apply_restart(&r));
	assert_memory_equal(r.bytes, before.bytes, r.len);
}

static void test_i386_layout(void **state)
{
	const struct arch_personality *a = arch_personality_for(68);
	const uint64_t args[6] = { 4, 0, 0, 0, 0, 0x12345678 };
	struct arch_regs r;

	(void)state;
	memset(&r, 0xab, sizeof(r));
	r.len = 68;
	a->set_syscall(&r, 0xf7ff1000, 6, args);
	assert_int_equal(get32(&r, I_EIP), 0xf7ff1000);
	assert_int_equal(get32(&r, I_EAX), 6);
	assert_int_equal(get32(&r, I_ORIG_EAX), 0xffffffff);
	assert_int_equal(get32(&r, I_EBX), 4);
	assert_int_equal(get32(&r, I_EBP), 0x12345678);
	assert_int_equal(a->get_syscall_nr(&r), -1);
	/* 32-bit results are sign-extended: -EBADF stays -9. */
	put32(&r, I_EAX, (uint32_t)-9);
	assert_int_equal(a->get_result(&r), -9);
	put32(&r, I_ORIG_EAX, 3);
	put32(&r, I_EAX, (uint32_t)-516);
	assert_true(a->apply_restart(&r));
	assert_int_equal(get32(&r, I_EAX), 0);	/* restart_syscall is 0 on i386 */
	assert_int_equal(get32(&r, I_EIP), 0xf7ff0ffe);
}

static void test_syscall_instruction_is_decoded(void **state)
{
	const struct arch_personality *x = arch_personality_for(216);
	const struct arch_personality *i = arch_personality_for(68);
	const uint8_t syscall_insn[] = { 0x0f, 0x05 };
	const uint8_t int80[] = { 0xcd, 0x80 };
	const uint8_t int3[] = { 0xcd, 0x03 };
	const uint8_t nop[] = { 0x90, 0x90 };

	(void)state;
	assert_true(site_is_syscall(x, syscall_insn, 2, 0x1000));
	assert_false(site_is_syscall(x, int80, 2, 0x1000));
	assert_false(site_is_syscall(x, nop, 2, 0x1000));
	assert_false(site_is_syscall(x, syscall_insn, 1, 0x1000));
	assert_true(site_is_syscall(i, int80, 2, 0x1000));
	assert_false(site_is_syscall(i, int3, 2, 0x1000));
	assert_false(site_is_syscall(i, syscall_insn, 2, 0x1000));
}

/* A minimal ELF64 image: one executable PT_LOAD whose code hides 0f 05 inside
 * a mov immediate before a real syscall: only the real one may be found. */
static void test_vdso_scan_respects_instruction_boundaries(void **state)
{
	const struct arch_personality *x = arch_personality_for(216);
	uint8_t img[512];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	const uint8_t code[] = {
		0xb8, 0x0f, 0x05, 0x00, 0x00,	/* mov $0x50f, %eax */
		0x48, 0x89, 0xc7,		/* mov %rax, %rdi */
		0x0f, 0x05,			/* syscall */
		0xc3,				/* ret */
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
	assert_int_equal(site_scan_code(x, img, sizeof(img)), code_off + 8);
	/* Without the real syscall there is nothing to find. */
	img[code_off + 8] = 0x90;
	img[code_off + 9] = 0x90;
	assert_int_equal(site_scan_code(x, img, sizeof(img)), -ENOENT);
	/* Not an ELF image at all. */
	img[0] = 0;
	assert_int_equal(site_scan_code(x, img, sizeof(img)), -ENOEXEC);
}

/*
 * The close loop decodes as whole instructions, with exactly its three
 * syscalls (close, ppoll, rt_sigprocmask): none of them may be tgkill or
 * anything else that needs a pid number.
 */
static void test_bulk_loop_decodes(void **state)
{
	const struct arch_personality *x = arch_personality_for(216);
	const struct arch_bulk_loop *loop = x->bulk;
	const uint8_t *code;
	size_t len, off, syscalls = 0;

	(void)state;
	assert_non_null(loop);
	len = loop->code(&code);
	assert_true(len > 8 && len < loop->data_offset);
	for (off = 0; off + 2 <= len; off++)
		syscalls += site_is_syscall(x, code + off, len - off, off);
	assert_int_equal(syscalls, 3);
	assert_int_equal(loop->data_offset, XB_DATA_OFFSET);
	assert_int_equal(loop->frame_len, XB_FRAME_LEN);
	assert_null(arch_personality_for(68)->bulk);
}

static uint64_t frame_get(const uint8_t *frame, unsigned int off)
{
	uint64_t v;

	memcpy(&v, frame + off, sizeof(v));
	return v;
}

/* The frame must carry every register the loop puts back on its way home. */
static void test_bulk_frame_holds_the_home_image(void **state)
{
	static const struct { unsigned int off, reg; } want[] = {
		{ XB_R15, 0 }, { XB_R14, 1 }, { XB_R13, 2 }, { XB_R12, 3 }, { XB_RBP, 4 },
		{ XB_RBX, 5 }, { XB_R11, 6 }, { XB_R10, 7 }, { XB_R9, 8 }, { XB_R8, 9 },
		{ XB_RAX, 10 }, { XB_RCX, 11 }, { XB_RDX, 12 }, { XB_RSI, 13 }, { XB_RDI, 14 },
		{ XB_RIP, 16 }, { XB_RFLAGS, 18 }, { XB_RSP, 19 },
	};
	const struct arch_bulk_loop *loop = arch_personality_for(216)->bulk;
	struct arch_regs home = x86_64_image();
	uint8_t frame[XB_FRAME_LEN];
	size_t i;

	(void)state;
	memset(frame, 0xaa, sizeof(frame));
	loop->fill_frame(frame, &home, 0x1234000000000001ULL, 7);
	assert_int_equal(frame_get(frame, XB_STATE) & 0xffffffff, BULK_RUNNING);
	assert_int_equal(frame_get(frame, XB_PARK_TS), 7);
	assert_int_equal(frame_get(frame, XB_PARK_TS + 8), 0);
	assert_int_equal(frame_get(frame, XB_SIGMASK), 0x1234000000000001ULL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(frame_get(frame, want[i].off), get64(&home, want[i].reg));
	/* The loop's own stack lies below XB_STACK_TOP, past every saved word. */
	assert_true(XB_R15 + 8 <= XB_STACK_TOP - 16 && XB_STACK_TOP <= XB_FRAME_LEN);
}

static void test_bulk_entry_registers(void **state)
{
	const struct arch_bulk_loop *loop = arch_personality_for(216)->bulk;
	struct arch_regs r = x86_64_image(), before = r;
	unsigned int i;

	(void)state;
	loop->set_entry(&r, 0x10000, 0x11000, 0x12000, 42);
	assert_int_equal(get64(&r, X_RIP), 0x10000);
	assert_int_equal((int64_t)get64(&r, X_ORIG_RAX), -1);
	assert_int_equal(get64(&r, X_RBX), 0x11000);
	assert_int_equal(get64(&r, 4), 0x12000);	/* rbp: results */
	assert_int_equal(get64(&r, 3), 42);		/* r12: count */
	for (i = 0; i < 27; i++)
		if (i != X_RIP && i != X_ORIG_RAX && i != X_RBX && i != 4 && i != 3)
			assert_int_equal(get64(&r, i), get64(&before, i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_personality_by_regset_size),
		cmocka_unit_test(test_stack_pointer_of_each_personality),
		cmocka_unit_test(test_x86_64_set_syscall_touches_only_abi_registers),
		cmocka_unit_test(test_x86_64_restart_rewinds_interrupted_syscall),
		cmocka_unit_test(test_x86_64_restart_block_runs_restart_syscall),
		cmocka_unit_test(test_x86_64_no_restart_when_not_asked),
		cmocka_unit_test(test_i386_layout),
		cmocka_unit_test(test_syscall_instruction_is_decoded),
		cmocka_unit_test(test_vdso_scan_respects_instruction_boundaries),
		cmocka_unit_test(test_bulk_loop_decodes),
		cmocka_unit_test(test_bulk_frame_holds_the_home_image),
		cmocka_unit_test(test_bulk_entry_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

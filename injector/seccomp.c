// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel refuses a bad filter when it is installed, then runs the ones it
 * took without further checks.  seccomp_run() therefore first applies the
 * same acceptance rules, so that a program the kernel could never have run
 * reads as KILL_PROCESS (the safe answer), and then interprets it with no
 * check left to make.  The run-time semantics are those the kernel gives a
 * classic program when it translates it to eBPF: A and X start at zero,
 * arithmetic is on 32 bits, a division by an X of zero ends the program
 * with 0, shifts by X use its low five bits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <linux/audit.h>

#include "common/array.h"
#include "injector/seccomp.h"

#define DATA_LEN ((uint32_t)sizeof(struct seccomp_data))
#define ALL_WORDS 0xffffu
/* The kernel caps an ERRNO action's data at MAX_ERRNO. */
#define MAX_ERRNO 4095u

/* The opcodes seccomp accepts: its own list, exact codes, nothing else. */
static bool code_allowed(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	}
	return false;
}

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

static bool uses_scratch(uint16_t code)
{
	return code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM) ||
	       code == BPF_ST || code == BPF_STX;
}

/* The operand rules of the kernel's classic checker and of seccomp's. */
static int check_insn(const struct sock_filter *in, size_t pc, size_t len)
{
	uint16_t code = in->code;
	uint32_t k = in->k;

	if (!code_allowed(code))
		return -EINVAL;
	if (code == (BPF_ALU | BPF_DIV | BPF_K) && k == 0)
		return -EINVAL;
	if ((code == (BPF_ALU | BPF_LSH | BPF_K) || code == (BPF_ALU | BPF_RSH | BPF_K)) &&
	    k >= 32)
		return -EINVAL;
	if (uses_scratch(code) && k >= BPF_MEMWORDS)
		return -EINVAL;
	if (code == (BPF_LD | BPF_W | BPF_ABS) && (k >= DATA_LEN || (k & 3)))
		return -EINVAL;
	if (code == (BPF_JMP | BPF_JA) && k >= len - pc - 1)
		return -EINVAL;
	if (is_cond_jump(code) && (pc + in->jt + 1 >= len || pc + in->jf + 1 >= len))
		return -EINVAL;
	return 0;
}

/*
 * The kernel's proof that no scratch word is read before it is written: one
 * pass in program order, where a word stays valid across a jump only if it
 * is valid on every edge seen so far into the target.  It is conservative
 * (it also carries what is valid past a RET into the next instruction), and
 * so is this copy, so both refuse the same programs.
 */
static int check_scratch(const struct sock_filter *insns, size_t len)
{
	uint16_t masks[BPF_MAXINSNS];
	uint16_t valid = 0;
	size_t pc;

	memset(masks, 0xff, len * sizeof(masks[0]));
	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &insns[pc];

		valid &= masks[pc];
		if (in->code == BPF_ST || in->code == BPF_STX) {
			valid |= (uint16_t)(1u << in->k);
		} else if (uses_scratch(in->code)) {
			if (!(valid & (1u << in->k)))
				return -EINVAL;
		} else if (in->code == (BPF_JMP | BPF_JA)) {
			masks[pc + 1 + in->k] &= valid;
			valid = ALL_WORDS;
		} else if (is_cond_jump(in->code)) {
			masks[pc + 1 + in->jt] &= valid;
			masks[pc + 1 + in->jf] &= valid;
			valid = ALL_WORDS;
		}
	}
	return 0;
}

int seccomp_prog_check(const struct sock_filter *insns, size_t len)
{
	uint16_t last;
	size_t pc;

	if (!insns || len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (pc = 0; pc < len; pc++)
		if (check_insn(&insns[pc], pc, len))
			return -EINVAL;
	last = insns[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return -EINVAL;
	return check_scratch(insns, len);
}

struct bpf_vm {
	const struct seccomp_data *d;
	uint32_t a;
	uint32_t x;
	/* Zeroed only for determinism: the checker proved none is read unwritten. */
	uint32_t mem[BPF_MEMWORDS];
};

/* A 32-bit word of seccomp_data in host order, as the kernel loads it. */
static uint32_t load_data(const struct seccomp_data *d, uint32_t k)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)d + k, sizeof(v));
	return v;
}

static void run_load_store(struct bpf_vm *vm, const struct sock_filter *in)
{
	uint32_t k = in->k;

	switch (in->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		vm->a = load_data(vm->d, k);
		break;
	case BPF_LD | BPF_W | BPF_LEN:
		vm->a = DATA_LEN;
		break;
	case BPF_LDX | BPF_W | BPF_LEN:
		vm->x = DATA_LEN;
		break;
	case BPF_LD | BPF_IMM:
		vm->a = k;
		break;
	case BPF_LDX | BPF_IMM:
		vm->x = k;
		break;
	case BPF_LD | BPF_MEM:
		vm->a = vm->mem[k];
		break;
	case BPF_LDX | BPF_MEM:
		vm->x = vm->mem[k];
		break;
	case BPF_ST:
		vm->mem[k] = vm->a;
		break;
	case BPF_STX:
		vm->mem[k] = vm->x;
		break;
	case BPF_MISC | BPF_TAX:
		vm->x = vm->a;
		break;
	case BPF_MISC | BPF_TXA:
		vm->a = vm->x;
		break;
	}
}

/* Returns false when the instruction ends the program with 0 (A / 0). */
static bool run_alu(struct bpf_vm *vm, const struct sock_filter *in)
{
	uint32_t v = BPF_SRC(in->code) == BPF_X ? vm->x : in->k;

	switch (BPF_OP(in->code)) {
	case BPF_ADD:
		vm->a += v;
		break;
	case BPF_SUB:
		vm->a -= v;
		break;
	case BPF_MUL:
		vm->a *= v;
		break;
	case BPF_DIV:
		if (!v)
			return false;
		vm->a /= v;
		break;
	case BPF_AND:
		vm->a &= v;
		break;
	case BPF_OR:
		vm->a |= v;
		break;
	case BPF_XOR:
		vm->a ^= v;
		break;
	case BPF_LSH:
		/* K is below 32 (checked); eBPF masks X to its low five bits. */
		vm->a <<= v & 31;
		break;
	case BPF_RSH:
		vm->a >>= v & 31;
		break;
	case BPF_NEG:
		vm->a = 0u - vm->a;
		break;
	}
	return true;
}

/* Returns how many instructions to skip after in. */
static uint32_t run_jump(const struct bpf_vm *vm, const struct sock_filter *in)
{
	uint32_t v = BPF_SRC(in->code) == BPF_X ? vm->x : in->k;
	bool taken = false;

	switch (BPF_OP(in->code)) {
	case BPF_JA:
		return in->k;
	case BPF_JEQ:
		taken = vm->a == v;
		break;
	case BPF_JGT:
		taken = vm->a > v;
		break;
	case BPF_JGE:
		taken = vm->a >= v;
		break;
	case BPF_JSET:
		taken = (vm->a & v) != 0;
		break;
	}
	return taken ? in->jt : in->jf;
}

uint32_t seccomp_run(const struct sock_filter *insns, size_t len, const struct seccomp_data *d)
{
	struct bpf_vm vm = { .d = d };
	size_t pc = 0;

	if (seccomp_prog_check(insns, len))
		return SECCOMP_RET_KILL_PROCESS;
	/* The check bounds every jump and ends the program with a RET. */
	while (pc < len) {
		const struct sock_filter *in = &insns[pc++];

		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? vm.a : in->k;
		case BPF_JMP:
			pc += run_jump(&vm, in);
			break;
		case BPF_ALU:
			if (!run_alu(&vm, in))
				return 0;
			break;
		default:
			run_load_store(&vm, in);
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;
}

/*
 * The kernel ranks actions as signed 32-bit numbers, KILL_PROCESS
 * (0x80000000) lowest; flipping the sign bit gives the same order unsigned.
 */
static uint32_t action_rank(uint32_t ret)
{
	return (ret & SECCOMP_RET_ACTION_FULL) ^ 0x80000000u;
}

uint32_t seccomp_verdict(const struct seccomp_filters *f, const struct seccomp_data *d)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	size_t i;

	/* Newest first, and only a strictly lower rank replaces: ties keep the newest. */
	for (i = 0; i < f->count; i++) {
		uint32_t cur = seccomp_run(f->progs[i].insns, f->progs[i].len, d);

		if (action_rank(cur) < action_rank(ret))
			ret = cur;
	}
	return ret;
}

uint32_t seccomp_verdict_action(uint32_t verdict)
{
	uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;

	switch (action) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_USER_NOTIF:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG:
	case SECCOMP_RET_ALLOW:
		return action;
	}
	/* The kernel's default case kills the process. */
	return SECCOMP_RET_KILL_PROCESS;
}

bool seccomp_verdict_allows(uint32_t verdict)
{
	uint32_t action = seccomp_verdict_action(verdict);

	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

static void describe_errno(uint32_t data, char *buf, size_t size)
{
	const char *name;

	if (data > MAX_ERRNO)
		data = MAX_ERRNO;
	name = strerrorname_np((int)data);
	if (name)
		snprintf(buf, size, "errno %s", name);
	else
		snprintf(buf, size, "errno %u", data);
}

void seccomp_verdict_describe(uint32_t verdict, char *buf, size_t size)
{
	uint32_t action = seccomp_verdict_action(verdict);
	const char *name = "kill_process";

	switch (action) {
	case SECCOMP_RET_ERRNO:
		describe_errno(verdict & SECCOMP_RET_DATA, buf, size);
		return;
	case SECCOMP_RET_KILL_THREAD:
		name = "kill_thread";
		break;
	case SECCOMP_RET_TRAP:
		name = "trap";
		break;
	case SECCOMP_RET_USER_NOTIF:
		name = "user_notif";
		break;
	case SECCOMP_RET_TRACE:
		name = "trace";
		break;
	case SECCOMP_RET_LOG:
		name = "log";
		break;
	case SECCOMP_RET_ALLOW:
		name = "allow";
		break;
	}
	if (action != (verdict & SECCOMP_RET_ACTION_FULL))
		snprintf(buf, size, "%s (unknown action 0x%08x)", name,
			 verdict & SECCOMP_RET_ACTION_FULL);
	else
		snprintf(buf, size, "%s", name);
}

void seccomp_data_fill(struct seccomp_data *d, uint32_t audit_arch, long nr, uint64_t ip,
		       const uint64_t args[6])
{
	uint64_t mask = (audit_arch & __AUDIT_ARCH_64BIT) ? UINT64_MAX : UINT32_MAX;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->nr = (int)nr;
	d->arch = audit_arch;
	d->instruction_pointer = ip & mask;
	for (i = 0; i < 6; i++)
		d->args[i] = args[i] & mask;
}

static void progs_free(struct seccomp_prog *progs, size_t count)
{
	while (count)
		free(progs[--count].insns);
	free(progs);
}

/* Copies filter number index (0 the oldest) out of buf, a BPF_MAXINSNS array. */
static int read_one(pid_t tid, size_t index, struct sock_filter *buf, struct seccomp_prog *p)
{
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, buf);

	if (n < 0)
		return -errno;
	if (n == 0 || n > BPF_MAXINSNS)
		return -EIO;
	p->insns = malloc((size_t)n * sizeof(*buf));
	if (!p->insns)
		return -ENOMEM;
	memcpy(p->insns, buf, (size_t)n * sizeof(*buf));
	p->len = (size_t)n;
	return 0;
}

static void reverse(struct seccomp_prog *progs, size_t count)
{
	size_t i;

	for (i = 0; i < count / 2; i++) {
		struct seccomp_prog t = progs[i];

		progs[i] = progs[count - 1 - i];
		progs[count - 1 - i] = t;
	}
}

/*
 * The kernel numbers filters from the oldest, so an index keeps naming the
 * same filter even if a newer one appears while we read; ENOENT ends the list.
 */
int seccomp_filters_read(pid_t tid, struct seccomp_filters *f)
{
	struct seccomp_prog *progs = NULL, *bigger;
	struct sock_filter *buf;
	size_t count = 0, cap = 0;
	int err;

	f->progs = NULL;
	f->count = 0;
	buf = malloc(BPF_MAXINSNS * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	for (;;) {
		bigger = array_grow(progs, &cap, count, sizeof(*bigger));
		if (!bigger) {
			err = -ENOMEM;
			goto free_progs;
		}
		progs = bigger;
		err = read_one(tid, count, buf, &progs[count]);
		if (err == -ENOENT && count)
			break;
		if (err)
			goto free_progs;
		count++;
	}
	free(buf);
	reverse(progs, count);
	f->progs = progs;
	f->count = count;
	return 0;

free_progs:
	progs_free(progs, count);
	free(buf);
	return err;
}

void seccomp_filters_free(struct seccomp_filters *f)
{
	progs_free(f->progs, f->count);
	f->progs = NULL;
	f->count = 0;
}

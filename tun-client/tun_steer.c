/* tun_steer.c - the eBPF steering program of a multi-queue TUN device
 * (see tun_steer.h). Hand-assembled: 16 instructions of a socket filter,
 * reading the IPv4 and TCP headers with BPF_LD_ABS (the data starts at the
 * IPv4 header on a TUN; a header with options lands on some queue, which
 * only costs a handover). */
#include "tun_steer.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static size_t emit(uint64_t *insns, size_t n, uint8_t code, uint8_t dst,
		   uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn insn = {.code = code,
				.dst_reg = dst,
				.src_reg = src,
				.off = off,
				.imm = imm};
	memcpy(&insns[n], &insn, sizeof(insn));
	return n + 1;
}

#define ALU32_K(op, dst, k) BPF_ALU | BPF_##op | BPF_K, dst, 0, 0, (int32_t)(k)
#define ALU64_K(op, dst, k)                                                    \
	BPF_ALU64 | BPF_##op | BPF_K, dst, 0, 0, (int32_t)(k)
#define ALU64_X(op, dst, src) BPF_ALU64 | BPF_##op | BPF_X, dst, src, 0, 0
#define LD_ABS(size, offset)  BPF_LD | BPF_##size | BPF_ABS, 0, 0, 0, offset

size_t tun_steer_program(const struct tun_space *s, unsigned queues,
			 uint64_t *p)
{
	size_t n = 0;
	n = emit(p, n, ALU64_X(MOV, 6, 1));		       /* r6 = skb */
	n = emit(p, n, LD_ABS(W, 16));			       /* r0 = daddr */
	n = emit(p, n, ALU32_K(SUB, 0, s->source_first));      /* address */
	n = emit(p, n, ALU64_K(MUL, 0, s->source_port_count)); /*  x ports */
	n = emit(p, n, ALU64_X(MOV, 7, 0));
	n = emit(p, n, LD_ABS(H, 22)); /* r0 = dport */
	n = emit(p, n, ALU32_K(SUB, 0, s->source_port_first));
	n = emit(p, n, ALU64_X(ADD, 7, 0));	    /* r7 = k */
	n = emit(p, n, ALU64_K(DIV, 7, TUN_GROUP)); /* k / 64 */
	n = emit(p, n, ALU64_K(MUL, 7, s->port_count));
	n = emit(p, n, LD_ABS(H, 20)); /* r0 = sport */
	n = emit(p, n, ALU32_K(SUB, 0, s->port_first));
	n = emit(p, n, ALU64_X(ADD, 7, 0));	 /* group */
	n = emit(p, n, ALU64_K(MOD, 7, queues)); /* its owner */
	n = emit(p, n, ALU64_X(MOV, 0, 7));
	n = emit(p, n, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

int tun_steer_attach(int fd, const struct tun_space *space, unsigned queues,
		     char *why, size_t why_size)
{
	uint64_t insns[TUN_STEER_MAX_INSNS];
	size_t count = tun_steer_program(space, queues, insns);
	static char log[4096];
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)count;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0) {
		int err = errno;
		snprintf(why, why_size,
			 "loading the steering program: %s (%.80s)",
			 strerror(err), log);
		return -err;
	}
	if (ioctl(fd, TUNSETSTEERINGEBPF, &prog) < 0) {
		int err = errno;
		snprintf(why, why_size, "TUNSETSTEERINGEBPF: %s",
			 strerror(err));
		close(prog);
		return -err;
	}
	return prog;
}

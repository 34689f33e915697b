/*
 * exit-path-floor: the C floor under jvmm's exit-path figure (jvmm bench, "Exit path").
 *
 *   exit-path-floor pio N    prints "pio N exits: S s, U us/exit"
 *
 * Runs the guest of io.jvmm.machine.ExitPathProbe (the same bytes, the same layout) in a bare
 * KVM_RUN loop: 64-bit ring 3 executing `out 0x80, al` N times, then `out 0x81, al`. Nothing but
 * the ioctl and a switch on kvm_run->exit_reason per exit, so jvmm's figure minus this one is what
 * the JVM, FFM and jvmm's exit handling add.
 *
 *   0x0500 GDT: null, kernel code 0x08, kernel data 0x10, user code 0x1b, user data 0x23
 *   0x1000 ring 0: push ss/rsp/rflags(IOPL 3)/cs/rip; iretq        -> ring 3 at 0x2000
 *   0x2000 ring 3: mov ecx, N; loop: out 0x80, al; dec rcx; jnz loop; out 0x81, al; jmp $
 *   0x9000 PML4 -> 0xa000 PDPT -> 0xb000 PD: first 1 GiB identity-mapped, 2 MiB pages, user-accessible
 *
 * Built by `jvmm bench` with `gcc -O2` when gcc is present (the source ships in jvmm's jar).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE (16u << 20)
#define PORT_COUNT 0x80
#define PORT_DONE 0x81
#define TSS_ADDR 0xfffbd000ul

static void die(const char *what)
{
	fprintf(stderr, "exit-path-floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		die(name);
	return r;
}

static void write_guest(uint8_t *mem, uint32_t n)
{
	static const uint64_t gdt[] = {0, 0x00af9b000000ffffull, 0x00cf93000000ffffull,
				       0x00affb000000ffffull, 0x00cff3000000ffffull};
	memcpy(mem + 0x500, gdt, sizeof(gdt));
	uint64_t e = 0xa000 | 7;	/* present, writable, user */
	memcpy(mem + 0x9000, &e, 8);
	e = 0xb000 | 7;
	memcpy(mem + 0xa000, &e, 8);
	for (uint64_t i = 0; i < 512; i++) {
		e = (i * 0x200000ull) | 0x87;	/* + PS: 2 MiB page */
		memcpy(mem + 0xb000 + 8 * i, &e, 8);
	}
	static const uint8_t ring0[] = {
		0x6a, 0x23,			/* push 0x23      user ss */
		0x68, 0x00, 0x00, 0x08, 0x00,	/* push 0x80000   user rsp */
		0x68, 0x02, 0x30, 0x00, 0x00,	/* push 0x3002    rflags, IOPL 3 */
		0x6a, 0x1b,			/* push 0x1b      user cs */
		0x68, 0x00, 0x20, 0x00, 0x00,	/* push 0x2000    user rip */
		0x48, 0xcf};			/* iretq */
	memcpy(mem + 0x1000, ring0, sizeof(ring0));
	uint8_t ring3[] = {
		0xb9, n, n >> 8, n >> 16, n >> 24,	/* mov ecx, n */
		0xe6, PORT_COUNT,			/* loop: out 0x80, al */
		0x48, 0xff, 0xc9,			/* dec rcx */
		0x75, 0xf9,				/* jnz loop */
		0xe6, PORT_DONE,			/* out 0x81, al */
		0xeb, 0xfe};				/* jmp $ */
	memcpy(mem + 0x2000, ring3, sizeof(ring3));
}

static void flat(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "pio") != 0) {
		fprintf(stderr, "usage: %s pio N\n", argv[0]);
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n < 1 || n > 0x7fffffff) {
		fprintf(stderr, "exit-path-floor: N must be 1 .. 2^31-1\n");
		return 2;
	}
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	xioctl(vm, KVM_SET_TSS_ADDR, (void *)TSS_ADDR, "KVM_SET_TSS_ADDR");
	uint8_t *mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest RAM");
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)mem};
	xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
	write_guest(mem, (uint32_t)n);

	int vcpu = xioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[256];
	} cpuid = {.h.nent = 256};
	xioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid, "KVM_GET_SUPPORTED_CPUID");
	xioctl(vcpu, KVM_SET_CPUID2, &cpuid, "KVM_SET_CPUID2");

	struct kvm_sregs sregs;
	xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	flat(&sregs.cs, 0x08, 11, 1);
	flat(&sregs.ds, 0x10, 3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = 0x500;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.cr3 = 0x9000;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.cr0 = 0x80050033;		/* PG | AM | WP | NE | ET | MP | PE */
	sregs.efer = 0x500;		/* LME | LMA */
	xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 2, .rsp = 0x80000};
	xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

	long exits = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_COUNT) {
			exits++;
		} else if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_DONE) {
			break;
		} else {
			fprintf(stderr, "exit-path-floor: unexpected exit %u after %ld exits\n", run->exit_reason, exits);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (exits != n) {
		fprintf(stderr, "exit-path-floor: %ld of %ld exits\n", exits, n);
		return 1;
	}
	printf("pio %ld exits: %.6f s, %.3f us/exit\n", exits, s, s * 1e6 / exits);
	return 0;
}

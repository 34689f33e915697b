// Runs the loader's output under KVM: 32 MiB guest memory from mem.bin, registers from state.txt.
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <signal.h>
#include <errno.h>
static void onalarm(int sig) { (void)sig; }
static long MEM;
static void rdseg(FILE *f, struct kvm_segment *s) {
  unsigned long long base, limit; unsigned sel, type, p, dpl, db, sf, l, g, avl, un;
  fscanf(f, "%llu %llu %u %u %u %u %u %u %u %u %u %u", &base, &limit, &sel, &type, &p, &dpl, &db, &sf, &l, &g, &avl, &un);
  s->base = base; s->limit = limit; s->selector = sel; s->type = type; s->present = p; s->dpl = dpl; s->db = db; s->s = sf; s->l = l; s->g = g; s->avl = avl; s->unusable = un;
}
int main(int argc, char **argv) {
  MEM = (argc > 1 ? atol(argv[1]) : 32) << 20; long maxexits = argc > 2 ? atol(argv[2]) : 10;
  int kvm = open("/dev/kvm", O_RDWR), vm = ioctl(kvm, KVM_CREATE_VM, 0);
  void *mem = mmap(0, MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  FILE *mf = fopen("mem.bin", "rb"); fread(mem, 1, MEM, mf); fclose(mf);
  struct kvm_userspace_memory_region r = {0, 0, 0, MEM, (unsigned long)mem};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r)) perror("region");
  ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000);
  int vcpu = ioctl(vm, KVM_CREATE_VCPU, getenv("VCPU_ID") ? atoi(getenv("VCPU_ID")) : 0);
  struct kvm_run *run = mmap(0, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  // CPUID: pass the supported table so long mode is allowed
  struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cp = {.c.nent = 256};
  if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cp)) perror("cpuid");
  FILE *sf = fopen("supported.txt", "w");
  for (unsigned i = 0; i < cp.c.nent; i++)
    fprintf(sf, "%u %u %u %u %u %u %u\n", cp.e[i].function, cp.e[i].index, cp.e[i].flags, cp.e[i].eax, cp.e[i].ebx, cp.e[i].ecx, cp.e[i].edx);
  fclose(sf);
  FILE *cf = getenv("CPUID") ? fopen(getenv("CPUID"), "r") : NULL;
  if (cf) {  // a table shaped by CpuidTable instead of the raw supported one
    unsigned n = 0;
    while (n < 256 && fscanf(cf, "%u %u %u %u %u %u %u", &cp.e[n].function, &cp.e[n].index, &cp.e[n].flags, &cp.e[n].eax, &cp.e[n].ebx, &cp.e[n].ecx, &cp.e[n].edx) == 7) n++;
    cp.c.nent = n; fclose(cf); printf("KVM_SET_CPUID2 with %u shaped entries\n", n);
  }
  if (ioctl(vcpu, KVM_SET_CPUID2, &cp)) { perror("KVM_SET_CPUID2"); return 1; }
  FILE *f = fopen("state.txt", "r");
  struct kvm_regs regs; memset(&regs, 0, sizeof regs);
  unsigned long long *g = (unsigned long long *)&regs;
  for (int i = 0; i < 18; i++) fscanf(f, "%llu", &g[i]);
  struct kvm_sregs s; ioctl(vcpu, KVM_GET_SREGS, &s);
  rdseg(f, &s.cs); rdseg(f, &s.ds); rdseg(f, &s.es); rdseg(f, &s.fs); rdseg(f, &s.gs); rdseg(f, &s.ss); rdseg(f, &s.tr); rdseg(f, &s.ldt);
  unsigned long long gb, gl, ib, il; fscanf(f, "%llu %llu %llu %llu", &gb, &gl, &ib, &il);
  s.gdt.base = gb; s.gdt.limit = gl; s.idt.base = ib; s.idt.limit = il;
  unsigned long long cr0, cr2, cr3, cr4, cr8, efer; fscanf(f, "%llu %llu %llu %llu %llu %llu", &cr0, &cr2, &cr3, &cr4, &cr8, &efer);
  s.cr0 = cr0; s.cr2 = cr2; s.cr3 = cr3; s.cr4 = cr4; s.cr8 = cr8; s.efer = efer;
  if (ioctl(vcpu, KVM_SET_SREGS, &s)) { perror("KVM_SET_SREGS"); return 1; }
  if (ioctl(vcpu, KVM_SET_REGS, &regs)) { perror("KVM_SET_REGS"); return 1; }
  struct sigaction sa = {0}; sa.sa_handler = onalarm; sigaction(SIGALRM, &sa, 0); alarm(10);
  for (long n = 0; n < maxexits; n++) {
    if (ioctl(vcpu, KVM_RUN, 0)) {
      if (errno == EINTR) { ioctl(vcpu, KVM_GET_REGS, &regs); struct kvm_sregs ss; ioctl(vcpu, KVM_GET_SREGS, &ss);
        printf("[sample] rip 0x%llx cs 0x%x cr0 0x%llx cr3 0x%llx\n", regs.rip, ss.cs.selector, ss.cr0, ss.cr3); fflush(stdout); alarm(10); n--; continue; }
      perror("KVM_RUN"); return 1; }
    if (run->exit_reason == KVM_EXIT_IO) {
      unsigned char *d = (unsigned char *)run + run->io.data_offset;
      if (run->io.direction == KVM_EXIT_IO_IN) { d[0] = run->io.port == 0x3fd ? 0x60 : 0xff; continue; }
      if (argc > 2) { if (run->io.port == 0x3f8) { putchar(d[0]); fflush(stdout); } continue; }
      printf("out port 0x%x value 0x%x\n", run->io.port, *(unsigned *)d);
    } else if (run->exit_reason == KVM_EXIT_HLT) { printf("hlt\n"); return 0; }
    else { ioctl(vcpu, KVM_GET_REGS, &regs); printf("exit %d rip 0x%llx suberror %d\n", run->exit_reason, regs.rip, run->internal.suberror); return 1; }
  }
  return 1;
}

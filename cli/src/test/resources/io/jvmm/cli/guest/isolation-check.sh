#!/bin/sh
# Run inside the guest by jvmm's GuestIsolationTest (one boot): is guest user state kept apart
# between processes on this host, and does the emulating-host GLIBC_TUNABLES mitigation reach
# every process? Each result line is computed in the guest, never copied from the command line.
echo "tunables-length=${#GLIBC_TUNABLES}"
t0=$(date +%s)

# The pipeline that segfaulted without the mitigation on an AMD host: glibc's AVX string code in one
# busybox applet, preempted in a page fault, got another applet's YMM bytes back.
i=0
bad=0
while [ $i -lt 40 ]; do
	i=$((i+1))
	x=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d '[:space:]')
	[ ${#x} = 32 ] || { bad=$((bad+1)); echo "pipeline-bad-$i"; }
done
t1=$(date +%s)
echo "pipeline-done rounds=$i bad=$bad seconds=$((t1-t0))"

# Programs that use vector registers themselves (no glibc): two at once on the one vCPU, first as
# glibc would decide whether AVX is usable, then from the CPUID feature bits alone.
vecstate vec 300 & vecstate vec 300; wait
(vecstate vec-raw 300 || echo "vecstate vec-raw status=$?") &
(vecstate vec-raw 300 || echo "vecstate vec-raw status=$?"); wait
vecstate pkru-switch 100 & vecstate pkru-switch 100; wait
(vecstate gsbase-switch 100 || echo "vecstate gsbase-switch status=$?") &
(vecstate gsbase-switch 100 || echo "vecstate gsbase-switch status=$?"); wait
for c in state aux rdpid tables pkru fsbase; do
	vecstate $c || echo "vecstate $c status=$?"
done
t2=$(date +%s)
echo "vecstate-done seconds=$((t2-t1))"

# The same pipeline without the mitigation, for the record (not asserted: hosts differ).
echo "isolation-check-unmitigated"
i=0
bad=0
while [ $i -lt 10 ]; do
	i=$((i+1))
	x=$(env -u GLIBC_TUNABLES sh -c 'head -c 16 /dev/urandom | od -An -tx1 | tr -d "[:space:]"')
	[ ${#x} = 32 ] || bad=$((bad+1))
done
echo "unmitigated-done rounds=$i bad=$bad seconds=$(($(date +%s)-t2))"

#!/bin/sh
# jvmm guest init: /init of the initramfs, and the entry point of the OCI bundle
# (there config.json sets JVMM_CONTAINER=1 and, optionally, JVMM_CMD).
#
# On emulating KVM hosts every system call costs a page fault plus emulated
# kernel code, and every external command a fork+exec: keep this short and use
# shell builtins (read, case, parameter expansion) wherever possible.
export PATH=/bin
if [ -z "$JVMM_CONTAINER" ]; then
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
#@MODULES@
	read -r cmdline < /proc/cmdline
	# jvmm.cmd="..." on the kernel command line (quoted, may hold spaces).
	case "$cmdline" in
	*'jvmm.cmd="'*) JVMM_CMD=${cmdline#*jvmm.cmd=\"}; JVMM_CMD=${JVMM_CMD%%\"*} ;;
	esac
	# Boot done: write 123 to the VMM's boot-timer device at guest physical
	# 0xC0000000 (Firecracker's convention). With a command, now; for the
	# interactive shell, once it is up and about to read (its $ENV script runs
	# just before the first prompt), so that a snapshot taken "when ready"
	# (jvmm run --snapshot-at ready) resumes at the prompt, not seconds before it.
	[ -n "$JVMM_CMD" ] && devmem 0xc0000000 8 123
fi
echo "jvmm-init: ready"
if [ -n "$JVMM_CMD" ]; then
	(eval "$JVMM_CMD")
elif [ -z "$JVMM_CONTAINER" ]; then
	echo 'unset ENV; devmem 0xc0000000 8 123' > /jvmm-ready.sh
	ENV=/jvmm-ready.sh setsid cttyhack sh
fi
# Power off (with reboot=k the VMM sees the keyboard-controller reset).
[ -n "$JVMM_CONTAINER" ] || reboot -f

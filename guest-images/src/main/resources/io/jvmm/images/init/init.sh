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
	# Ctrl+Alt+Del (the VMM's SendCtrlAltDel types it on the i8042 keyboard):
	# with ctrl-alt-del = 0 the kernel sends init SIGINT instead of restarting at
	# once, and init stops the guest in order: every process gets SIGTERM and
	# SIGHUP, the disks are synced, then the kernel resets (reboot=k: the
	# VMM sees the reset and exits 0). The work runs in the background and init
	# waits with the `wait` builtin, which a trapped signal interrupts; fd 3 keeps
	# the console as its stdin (a background job's stdin is otherwise /dev/null).
	echo 0 > /proc/sys/kernel/ctrl-alt-del
	trap 'echo "jvmm-init: Ctrl-Alt-Del, shutting down"; kill -TERM -1; kill -HUP -1; sync; reboot -f' INT
	exec 3<&0
fi
echo "jvmm-init: ready"
if [ -n "$JVMM_CONTAINER" ]; then
	[ -z "$JVMM_CMD" ] || (eval "$JVMM_CMD")
elif [ -n "$JVMM_CMD" ]; then
	(eval "$JVMM_CMD") <&3 3<&- &
	wait $!
else
	echo 'unset ENV; devmem 0xc0000000 8 123' > /jvmm-ready.sh
	ENV=/jvmm-ready.sh setsid cttyhack sh <&3 3<&- &
	wait $!
fi
# Power off (with reboot=k the VMM sees the keyboard-controller reset).
[ -n "$JVMM_CONTAINER" ] || reboot -f

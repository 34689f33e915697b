package io.jvmm.images.build;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The tree every guest artifact shares: busybox from Debian's busybox-static, jvmm's /init and
 * the usual top-level directories. Only the applets listed here get a /bin link: each link is
 * one more cpio entry the (emulated) kernel unpacks at boot; `busybox APPLET` runs the others.
 */
public final class BusyboxTree {
    /** Where Debian's busybox-static installs its binary. */
    public static final String HOST_BUSYBOX = "/bin/busybox";
    public static final String MARKER = "jvmm-init: ready";

    static final List<String> APPLETS = List.of(
            "sh", "ash", "cat", "cp", "cttyhack", "date", "dd", "devmem", "df", "dmesg", "du", "echo",
            "env", "false", "free", "grep", "head", "hostname", "ifconfig", "insmod", "ip", "kill", "ln",
            "ls", "lsmod", "mkdir", "mknod", "mount", "mv", "ping", "poweroff", "ps", "reboot", "rm",
            "sed", "setsid", "sha256sum", "sleep", "sync", "tail", "time", "top", "true", "umount",
            "uname", "vi", "wc");

    private BusyboxTree() {
    }

    /** The base tree; /init gets {@code moduleLines} in place of its "#@MODULES@" line. */
    public static GuestTree create(byte[] busybox, String initScript, List<String> moduleLines) {
        GuestTree t = new GuestTree();
        for (String d : List.of("/bin", "/dev", "/etc", "/lib", "/mnt", "/proc", "/root", "/sys", "/tmp")) {
            t.dir(d, d.equals("/tmp") ? 01777 : 0755);
        }
        // The kernel opens /dev/console for init before /init can mount devtmpfs: without this
        // node init runs with no stdin/stdout ("unable to open an initial console").
        t.charDevice("/dev/console", 0600, 5, 1);
        t.file(HOST_BUSYBOX, 0755, busybox);
        for (String applet : APPLETS) {
            t.symlink("/bin/" + applet, "busybox");
        }
        t.symlink("/sbin", "bin");
        t.file("/init", 0755, initScript(initScript, moduleLines).getBytes(StandardCharsets.UTF_8));
        t.file("/etc/hostname", 0644, "jvmm\n".getBytes(StandardCharsets.US_ASCII));
        return t;
    }

    static String initScript(String template, List<String> moduleLines) {
        String marker = "#@MODULES@\n";
        if (!template.contains(marker)) {
            throw new IllegalStateException("init script has no " + marker.strip() + " line");
        }
        StringBuilder mods = new StringBuilder();
        for (String line : moduleLines) {
            mods.append('\t').append(line).append('\n');
        }
        return template.replace(marker, mods.toString());
    }

    /**
     * The test payload of the root disk: 64 KiB of SHA-256 counter-mode bytes (deterministic, not
     * compressible by accident) and its digest in `sha256sum -c` format.
     */
    public static byte[] payload() {
        byte[] out = new byte[64 * 1024];
        var md = Inputs.digest();
        for (int block = 0; block * 32 < out.length; block++) {
            md.update(("jvmm-payload-" + block).getBytes(StandardCharsets.US_ASCII));
            System.arraycopy(md.digest(), 0, out, block * 32, 32);
        }
        return out;
    }

    public static GuestTree withPayload(GuestTree base) {
        byte[] data = payload();
        return base.copy()
                .dir("/payload", 0755)
                .file("/payload/data.bin", 0644, data)
                .file("/payload/data.sha256", 0644,
                        (Inputs.sha256(data) + "  /payload/data.bin\n").getBytes(StandardCharsets.US_ASCII));
    }
}

package io.jvmm.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command line that started this JVM, up to jvmm's own arguments: the java binary, the JVM options and
 * the module (or main class). {@code jvmm jail} starts the jailed VMM with it, so the VMM runs on the same
 * JDK, flags and AOT cache; {@link #files()} are what must be bind-mounted (read-only) for it to start and
 * keep loading classes and libraries inside the jail.
 */
record JvmCommand(List<String> prefix, List<Path> files) {
    /** java options whose value is the next word (java --help); {@code -m}/{@code --module} ends the options. */
    private static final Set<String> WITH_VALUE = Set.of("-cp", "-classpath", "--class-path", "-p", "--module-path",
            "--upgrade-module-path", "--add-modules", "--enable-native-access", "--limit-modules", "--add-reads",
            "--add-exports", "--add-opens", "--patch-module");

    static JvmCommand current() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        String java = info.command().orElseThrow(() -> new IllegalStateException("jail: cannot read this JVM's command (/proc/self/exe)"));
        String[] args = info.arguments().orElseThrow(() -> new IllegalStateException("jail: cannot read this JVM's arguments (/proc/self/cmdline)"));
        return of(java, List.of(args), System.getProperty("java.home"),
                System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""));
    }

    static JvmCommand of(String java, List<String> args, String javaHome, String modulePath, String classPath) {
        List<String> prefix = new ArrayList<>(List.of(java));
        List<Path> files = new ArrayList<>();
        files.add(Path.of(javaHome));
        boolean done = false;
        for (int i = 0; i < args.size() && !done; i++) {
            String a = args.get(i);
            prefix.add(a);
            if (a.equals("-m") || a.equals("--module") || a.equals("-jar")) {
                prefix.add(args.get(++i));
                if (a.equals("-jar")) {
                    files.add(Path.of(args.get(i)).toAbsolutePath());
                }
                done = true;
            } else if (a.startsWith("--module=")) {
                done = true;
            } else if (WITH_VALUE.contains(a)) {
                prefix.add(args.get(++i));
            } else if (a.startsWith("-XX:AOTCache=") || a.startsWith("-XX:SharedArchiveFile=")) {
                files.add(Path.of(a.substring(a.indexOf('=') + 1)).toAbsolutePath());
            } else if (!a.startsWith("-")) {
                done = true;   // the main class
            }
        }
        for (String path : List.of(modulePath, classPath)) {
            for (String e : path.split(File.pathSeparator)) {
                if (!e.isEmpty() && Files.exists(Path.of(e))) {
                    files.add(Path.of(e).toAbsolutePath().normalize());
                }
            }
        }
        // A file inside a directory already bound comes with it.
        List<Path> distinct = new ArrayList<>();
        for (Path f : files) {
            if (files.stream().noneMatch(o -> !o.equals(f) && f.startsWith(o) && Files.isDirectory(o)) && !distinct.contains(f)) {
                distinct.add(f);
            }
        }
        return new JvmCommand(List.copyOf(prefix), List.copyOf(distinct));
    }
}

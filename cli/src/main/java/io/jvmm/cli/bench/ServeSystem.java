package io.jvmm.cli.bench;

import io.jvmm.cli.api.ApiFloor;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code jvmm serve --api-sock} in a new process per run: timed from just before the process is spawned to the
 * first {@code GET /} answered 200 over the API socket, then ended with SIGTERM, after which its socket file must
 * be gone.
 */
final class ServeSystem implements BenchSystem {
    /** The exit status of a JVM ended by SIGTERM (128 + 15): how {@code jvmm serve} ends here when all is well. */
    static final int SIGTERM_STATUS = 143;
    /** The launcher's AOT cache trained on {@code jvmm serve}, beside the run cache. */
    static final String SERVE_CACHE = "jvmm-serve.aot";

    /**
     * GET / requests sent to the started server after its first answer, one connection each (as curl and most
     * Firecracker clients send them), for the latency figures.
     */
    static final int LATENCY_REQUESTS = 200;

    private final BenchSystem.Setup setup;
    private final boolean floor;

    /**
     * @param floor the {@code api-floor} system: the same measurement of {@link ApiFloor} (the API's HTTP server
     *              alone, as {@code jvmm serve} starts it) instead of {@code jvmm serve}
     */
    ServeSystem(BenchSystem.Setup setup, boolean floor) {
        this.setup = setup;
        this.floor = floor;
    }

    @Override
    public String id() {
        return floor ? "api-floor" : "serve";
    }

    @Override
    public String title() {
        return floor ? "Jetty API server alone to first GET / (floor)" : "jvmm serve to first GET / (cold)";
    }

    @Override
    public String method() {
        return (floor ? "the floor under serve: a new JVM per run started as `jvmm serve` is (./jvmm's options, module "
                + "path and serve AOT cache) whose main class, " + ApiFloor.class.getName() + ", starts the API's HTTP "
                + "server as jvmm serve does (Jetty 12 on the Unix socket, the same settings and locale data) and answers "
                + "every request with GET /'s instance info: no picocli, logging, configuration model or machine. Measured "
                + "as serve: " : "")
                + "a new `jvmm serve --api-sock` process per run, JVM options as ./jvmm gives them and ./jvmm's serve AOT "
                + "cache (" + SERVE_CACHE + " beside the run cache) when there is one; 'to first GET / answered' ends when "
                + "an HTTP/1.1 GET / over the Unix socket (retried until it connects) has its 200 status line; then "
                + LATENCY_REQUESTS + " more GET / one after another, each on a new connection, timed from connect to the "
                + "whole answer read (the API latency: median and p99 of each run); then SIGTERM, and the run fails "
                + "unless the process ends and its socket file is gone ('to process exit' is SIGTERM to exit); CPU is "
                + "the child's user+system time over the whole run, the latency requests and the shutdown included; "
                + "'CPU to first GET / answered' is the child's /proc/PID/stat utime+stime (all threads, 10 ms ticks) "
                + "read right after the first answer";
    }

    @Override
    public boolean bootsKernel() {
        return false;
    }

    @Override
    public Sample run(int index, boolean warmup, Progress progress) throws Exception {
        Path sock = setup.workDir().resolve("serve-" + index + (warmup ? "w" : "") + ".sock");
        Files.deleteIfExists(sock);
        List<String> cmd = new ArrayList<>(withCache(setup.javaCommand(), SERVE_CACHE));
        if (floor) {
            cmd = JvmmSystems.withMainClass(cmd, ApiFloor.class.getName());
            cmd.add(sock.toString());
        } else {
            cmd.addAll(List.of("serve", "--api-sock", sock.toString()));
        }
        long cpuBefore = ProcFs.childrenCpuMs();
        Map<String, Double> events = new LinkedHashMap<>();
        Sample.Latency latency = null;
        Double cpuToAnswer = null;
        String failure = null;
        int exitStatus;
        Long peak;
        try (LiveChild child = LiveChild.start(cmd, JvmmSystems.cgroupName(id(), index), null)) {
            long deadline = child.startNanos() + TimeUnit.SECONDS.toNanos(Math.min(setup.timeoutSeconds(), 120));
            long answered = awaitAnswer(sock, child, deadline);
            if (answered < 0) {
                failure = child.alive() ? "no answer to GET / within the timeout" : "jvmm serve ended before it answered";
            } else {
                events.put("api-answer", child.ms(answered));
                cpuToAnswer = (double) ProcFs.processCpuMs(child.pid());
                try {
                    latency = latency(sock);
                } catch (IOException | IllegalStateException e) {
                    failure = "a GET / after the first failed: " + e.getMessage();
                }
            }
            events.put("sigterm", child.ms(System.nanoTime()));
            child.terminate();
            exitStatus = child.awaitExit(10);
            events.put("exit", child.ms(System.nanoTime()));
            peak = child.cgroupPeakKiB();
            if (failure == null && exitStatus != SIGTERM_STATUS) {
                failure = "ended with status " + exitStatus + " after SIGTERM (expected " + SIGTERM_STATUS + ")";
            }
            if (failure == null && Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
                failure = "its socket " + sock + " is still there after SIGTERM";
            }
            if (failure != null) {
                progress.note(id() + ": " + failure + (child.stderrTail().isEmpty() ? "" : ": " + child.stderrTail()));
            }
        } finally {
            Files.deleteIfExists(sock);
        }
        long cpu = ProcFs.childrenCpuMs() - cpuBefore;
        return new Sample(index, warmup, events, (double) cpu, new Sample.Memory(null, null, peak),
                failure == null ? 0 : exitStatus == 0 || exitStatus == SIGTERM_STATUS ? 1 : exitStatus, cpuToAnswer, latency);
    }

    /**
     * Sends {@code GET /} until one is answered 200, the child ends or the deadline (nanoTime) passes.
     *
     * @return when the 200 status line was read (nanoTime), or -1
     */
    private static long awaitAnswer(Path sock, LiveChild child, long deadline) throws InterruptedException {
        while (child.alive() && System.nanoTime() - deadline < 0) {
            if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    String status = get(sock);
                    if (status.startsWith("HTTP/1.1 200")) {
                        return System.nanoTime();
                    }
                    throw new IllegalStateException("GET / on " + sock + " answered '" + status + "', not 200");
                } catch (IOException e) {
                    // bound but not accepting yet, or a reset while it starts: try again
                }
            }
            Thread.sleep(1);
        }
        return -1;
    }

    /** {@link #LATENCY_REQUESTS} GET / one after another, each answered 200 in full, and their latency. */
    private static Sample.Latency latency(Path sock) throws IOException {
        double[] ms = new double[LATENCY_REQUESTS];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            String answer = exchange(sock);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            if (!answer.startsWith("HTTP/1.1 200 ") || !answer.contains("\"app_name\"")) {
                throw new IllegalStateException("GET / number " + (i + 2) + " answered '"
                        + answer.lines().findFirst().orElse("") + "', not 200 with the instance info");
            }
        }
        return Sample.Latency.of(ms);
    }

    /** One HTTP/1.1 {@code GET /} over the Unix socket, read until the server closes the connection. */
    static String exchange(Path sock) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(GET.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    throw new IOException("an answer to GET / of more than " + buf.capacity() + " bytes");
                }
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
        }
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    /** One HTTP/1.1 {@code GET /} over the Unix socket; returns the status line. */
    static String get(Path sock) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(GET.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (buf.hasRemaining()) {
                int n = ch.read(buf);
                String got = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
                int eol = got.indexOf("\r\n");
                if (eol >= 0) {
                    return got.substring(0, eol);
                }
                if (n < 0) {
                    throw new IOException("connection closed before a status line (got '" + got + "')");
                }
            }
            throw new IOException("no status line in the first " + buf.capacity() + " bytes");
        }
    }

    /**
     * {@code javaCommand} with the launcher's AOT cache {@code name} in place of the run cache this JVM was
     * started with, as ./jvmm picks it for that command; unchanged where there is no such file.
     */
    static List<String> withCache(List<String> javaCommand, String name) {
        String prefix = "-XX:AOTCache=";
        List<String> cmd = new ArrayList<>();
        for (String a : javaCommand) {
            Path cache = a.startsWith(prefix) ? Path.of(a.substring(prefix.length())).resolveSibling(name) : null;
            cmd.add(cache != null && Files.isRegularFile(cache) ? prefix + cache : a);
        }
        return cmd;
    }
}

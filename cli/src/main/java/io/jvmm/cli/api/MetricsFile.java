package io.jvmm.cli.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Firecracker's metrics sink: one JSON object per line, written every {@link #PERIOD_SECONDS} seconds by
 * the {@code vmm-metrics} thread and on {@code FlushMetrics}. The path may be a file or a FIFO.
 */
final class MetricsFile implements AutoCloseable {
    /** Firecracker writes its metrics once a minute. */
    static final long PERIOD_SECONDS = 60;

    private final Path path;
    private final FileChannel channel;
    private final Supplier<Map<String, Object>> counters;
    private final ScheduledExecutorService timer;

    MetricsFile(Path path, Supplier<Map<String, Object>> counters) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.counters = counters;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vmm-metrics");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::flushQuietly, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    Path path() {
        return path;
    }

    /** Writes one line now. */
    synchronized void flush() throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("utc_timestamp_ms", System.currentTimeMillis());
        line.put("jvmm", counters.get());
        byte[] bytes = (ApiValidation.JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(MetricsFile.class).warn("metrics {}: {}", path, e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to write to
        }
    }
}

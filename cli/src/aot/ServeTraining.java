import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The client of ./jvmm's training run for the {@code jvmm serve} AOT cache (run with the JDK's source launcher:
 * {@code java ServeTraining.java SOCKET KERNEL}): it sends what a Firecracker client sends over the API socket,
 * answers and refusals alike, so that the cache holds the request path (Jetty's HTTP/1.1 handling, the JSON
 * bodies, every check of a refused request), then starts KERNEL, a raw guest that prints and halts, which ends
 * the server. Exits non-zero when an answer is not the expected one: then ./jvmm makes no serve cache.
 */
public final class ServeTraining {
    /** Request and the status it must get. */
    private record Exchange(String method, String path, String body, int status) {
    }

    public static void main(String[] args) throws Exception {
        Path sock = Path.of(args[0]);
        String kernel = args[1];
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(sock)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no API socket " + sock + " after 60 s");
            }
            Thread.sleep(5);
        }
        String kernelJson = kernel.replace("\\", "\\\\").replace("\"", "\\\"");
        List<Exchange> warm = List.of(
                new Exchange("GET", "/", null, 200),
                new Exchange("GET", "/version", null, 200),
                new Exchange("GET", "/machine-config", null, 200),
                new Exchange("GET", "/vm/config", null, 200),
                new Exchange("PUT", "/boot-source", "{\"kernel_image_path\": ", 400),
                new Exchange("PUT", "/boot-source", "{\"kernel_image_path\": \"/x\", \"what\": 1}", 400),
                new Exchange("PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 16}", 400),
                new Exchange("PUT", "/drives/rootfs", "{\"drive_id\": \"other\", \"is_root_device\": true}", 400),
                new Exchange("PATCH", "/vm", "{\"state\": \"Paused\"}", 400),
                new Exchange("PUT", "/balloon", "{}", 400),
                new Exchange("GET", "/nothing", null, 400));
        for (int round = 0; round < 20; round++) {
            for (Exchange e : warm) {
                exchange(sock, e);
            }
        }
        for (Exchange e : List.of(
                new Exchange("PUT", "/boot-source", "{\"kernel_image_path\": \"" + kernelJson
                        + "\", \"jvmm_kernel_format\": \"raw\"}", 204),
                new Exchange("PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 16}", 204),
                new Exchange("GET", "/vm/config", null, 200),
                new Exchange("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}", 204))) {
            exchange(sock, e);
        }
    }

    /** One request on its own connection (Connection: close); fails unless it gets its status. */
    private static void exchange(Path sock, Exchange e) throws IOException {
        byte[] body = e.body() == null ? new byte[0] : e.body().getBytes(StandardCharsets.UTF_8);
        String head = e.method() + " " + e.path() + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + (e.body() == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
                + "\r\n";
        String answer;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            ch.write(ByteBuffer.wrap(body));
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // until the server closes the connection
            }
            answer = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
        String expected = "HTTP/1.1 " + e.status() + " ";
        if (!answer.startsWith(expected)) {
            throw new IllegalStateException(e.method() + " " + e.path() + ": expected " + expected + "..., got '"
                    + answer.lines().findFirst().orElse("") + "'");
        }
    }
}

package io.jvmm.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny HTTP/1.1 client over a Unix socket (one request per connection), for the API tests. */
final class UnixHttp {
    record Reply(int status, String body) {
    }

    private UnixHttp() {
    }

    static Reply call(Path socket, String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n"
                    + (body != null ? "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n" : "") + "\r\n";
            ByteBuffer out = ByteBuffer.allocate(head.length() + b.length);
            out.put(head.getBytes(StandardCharsets.US_ASCII)).put(b).flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) >= 0) {
                in.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            String text = in.toString(StandardCharsets.UTF_8);
            int sp = text.indexOf(' ');
            int end = text.indexOf("\r\n\r\n");
            if (sp < 0 || end < 0) {
                throw new IOException("not an HTTP reply: " + text);
            }
            return new Reply(Integer.parseInt(text.substring(sp + 1, sp + 4)), text.substring(end + 4));
        }
    }

    /** Waits until {@code socket} accepts a connection, or the process ends, or {@code timeoutMillis} passed. */
    static boolean awaitSocket(Path socket, Process p, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline && p.isAlive()) {
            if (Files.exists(socket)) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    return true;
                } catch (IOException notYet) {
                    // bound but not listening yet
                }
            }
            Thread.sleep(5);
        }
        return false;
    }
}

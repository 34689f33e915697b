package io.jvmm.cli.api;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * HTTP/1.1 over a Unix socket (Jetty's core Handler API, no servlets) in front of a {@link Vmm}. The only
 * class that knows Jetty: {@code jvmm run} never loads it. Threads are named {@code vmm-api-*}.
 */
final class ApiServer implements AutoCloseable {
    /** Firecracker's default limit on a request body (--http-api-max-payload-size). */
    static final int MAX_PAYLOAD = 51200;
    /** How long stopping the server waits for requests in flight to be answered. */
    static final long STOP_TIMEOUT_MS = 2000;

    private final Server server;

    private ApiServer(Server server) {
        this.server = server;
    }

    /**
     * Jetty's {@code MemoryUtils} asks the platform MBean server for {@code UseCompressedOops} unless this
     * property is set: that starts JMX, which cost ~130 ms of CPU (a fifth of the start) in {@code jvmm serve}.
     * The value only sizes padding against false sharing: a 64-byte cache line of 4-byte compressed references,
     * as jvmm's small serial-GC heaps always have.
     */
    static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    /** What answers a request: {@link Vmm#handle}, or the bench's {@link ApiFloor}. */
    @FunctionalInterface
    interface Api {
        /** @param body the request body, or null when it could not be read */
        Vmm.Reply handle(String method, String path, String body);
    }

    /** Listens on {@code socket} (which must not exist) and answers with {@code vmm}. */
    static ApiServer start(Path socket, Vmm vmm) throws Exception {
        return start(socket, vmm::handle);
    }

    /** Listens on {@code socket} (which must not exist) and answers with {@code api}. */
    static ApiServer start(Path socket, Api api) throws Exception {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(REFERENCES_PER_CACHE_LINE, "16");
        }
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("vmm-api");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setUnixDomainPath(socket);
        server.addConnector(connector);
        // Graceful stop: a request in flight when the machine ends gets its answer before the process exits
        // (SendCtrlAltDel to a guest that resets at once ended the VM before its 204 was written).
        GracefulHandler graceful = new GracefulHandler();
        server.setHandler(graceful);
        server.setStopTimeout(STOP_TIMEOUT_MS);
        graceful.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Vmm.Reply reply;
                long length = request.getLength();
                if (length > MAX_PAYLOAD) {
                    reply = Vmm.fault("The request body is " + length + " bytes, more than the " + MAX_PAYLOAD + " allowed.");
                } else {
                    String body;
                    try {
                        body = Content.Source.asString(request, StandardCharsets.UTF_8);
                    } catch (Exception e) {
                        body = null;
                    }
                    reply = body != null && body.length() > MAX_PAYLOAD
                            ? Vmm.fault("The request body is more than the " + MAX_PAYLOAD + " bytes allowed.")
                            : api.handle(request.getMethod(), request.getHttpURI().getPath(), body);
                }
                response.setStatus(reply.status());
                if (reply.json() == null) {
                    response.write(true, null, callback);
                } else {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.write(true, ByteBuffer.wrap(reply.json().getBytes(StandardCharsets.UTF_8)), callback);
                }
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new ApiServer(server);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(ApiServer.class).warn("stopping the API server: {}", e.getMessage());
        }
    }
}

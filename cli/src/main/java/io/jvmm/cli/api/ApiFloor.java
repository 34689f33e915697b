package io.jvmm.cli.api;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bench's {@code api-floor} system: the least a {@code jvmm serve} start costs before it answers, measured beside
 * {@code java -version}. Run as the main class of a JVM with ./jvmm's options, module path and serve AOT cache, it
 * starts the API's HTTP server exactly as {@code jvmm serve} does ({@link ApiServer}: Jetty 12 on a Unix socket, the
 * same thread pool, connector and settings, the same locale data) and answers every request with {@code GET /}'s
 * instance info, without picocli, logging, the configuration model or a machine. On SIGTERM it stops the server and
 * removes the socket, as {@code jvmm serve} does.
 *
 * <p>Usage: {@code ApiFloor SOCKET}. Exit status 1, with a line on stderr, when it cannot listen.
 */
public final class ApiFloor {
    private ApiFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServeCommand.useSmallLocaleData();
        Path socket = Path.of(args[0]);
        String body = new ApiBodies.InstanceInfo(Vmm.APP_NAME, "api-floor", "Not started", ServeCommand.version()).json();
        ApiServer server;
        try {
            server = ApiServer.start(socket, (method, path, requestBody) -> new Vmm.Reply(200, body));
        } catch (Exception e) {
            System.err.println("api floor: cannot listen on " + socket + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                Files.deleteIfExists(socket);
            } catch (java.io.IOException e) {
                System.err.println("api floor: cannot remove " + socket + ": " + e.getMessage());
            }
        }, "api-floor-shutdown"));
        Thread.currentThread().join();   // until SIGTERM
    }
}

/**
 * The jvmm command line: maps options onto a machine spec and runs the machine. It reaches the VMM only
 * through {@code io.jvmm.machine}'s API (which brings the core, device and boot API packages with it);
 * the KVM binding and native code are not exported to it.
 */
module io.jvmm.cli {
    requires io.jvmm.machine;
    requires io.jvmm.images;
    requires info.picocli;
    requires org.slf4j;
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;
    // Jackson: jvmm serve and run --config-file (io.jvmm.cli.api) and the benchmark's JSON; Jetty: serve only.
    // A plain `jvmm run` loads neither (ServeApiTest.runLoadsNoApiClasses).
    requires com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.unixdomain.server;

    opens io.jvmm.cli to info.picocli;
    opens io.jvmm.cli.bench to info.picocli;
    opens io.jvmm.cli.api to info.picocli, com.fasterxml.jackson.databind;

    // Only the bench tests parse the HTML report as XML; not needed (not resolved) at run time.
    requires static java.xml;

    provides ch.qos.logback.classic.spi.Configurator with io.jvmm.cli.LogConfigurator;
}

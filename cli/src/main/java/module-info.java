/** The jvmm command line: assembles a machine from options and runs it. */
module io.jvmm.cli {
    requires io.jvmm.core;
    requires io.jvmm.devices;
    requires io.jvmm.boot;
    requires io.jvmm.machine;
    requires io.jvmm.images;
    requires info.picocli;
    requires org.slf4j;
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;

    opens io.jvmm.cli to info.picocli;
    opens io.jvmm.cli.bench to info.picocli;

    // Only the bench tests parse the HTML report as XML; not needed (not resolved) at run time.
    requires static java.xml;

    provides ch.qos.logback.classic.spi.Configurator with io.jvmm.cli.LogConfigurator;
}

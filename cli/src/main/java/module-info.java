/** The jvmm command line: assembles a machine from options and runs it. */
module io.jvmm.cli {
    requires io.jvmm.core;
    requires io.jvmm.devices;
    requires io.jvmm.boot;
    requires io.jvmm.images;
    requires info.picocli;
    requires org.slf4j;
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;

    opens io.jvmm.cli to info.picocli;

    provides ch.qos.logback.classic.spi.Configurator with io.jvmm.cli.LogConfigurator;
}

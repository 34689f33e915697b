package io.jvmm.cli.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bodies jvmm writes without the databind mapper are the mapper's JSON, byte for byte. */
class ApiBodiesTest {
    @ParameterizedTest
    @ValueSource(strings = {"anonymous-instance", "quote\" back\\slash", "tab\tnew\nline\u0001", "ünïcødé €", ""})
    void instanceInfoIsWhatTheMapperWrites(String id) throws Exception {
        var info = new ApiBodies.InstanceInfo(Vmm.APP_NAME, id, "Not started", "0.1.0 \"dev\"");
        assertEquals(ApiValidation.JSON.writeValueAsString(info), info.json());
    }
}

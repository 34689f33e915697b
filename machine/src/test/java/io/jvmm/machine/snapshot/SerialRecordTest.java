package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.devices.legacy.SerialState;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UART's record in the state file: read back equal; a record the UART would refuse is one line naming the field. */
class SerialRecordTest {
    static final SerialState STATE = new SerialState(1, 0, 0x5, 0xc1, 0x13, 0xb, 0x42, false, true, 0, new byte[] {'h', 'i'});

    @Test
    void aRecordReadsBackEqual() {
        var record = SerialRecord.record("serial", STATE);
        assertEquals(SerialRecord.KIND, record.kind());
        assertEquals(STATE, SerialRecord.fromJson(record.state(), "devices[0] (serial)"));
    }

    @Test
    void tamperedRecordsAreRefusedByField() {
        refused(o -> o.put("rx_fifo", Base64.getEncoder().encodeToString(new byte[17])), "rxFifo holds 17 bytes");
        refused(o -> o.put("ier", "0x100"), "devices[0] (serial).ier: 0x100 does not fit in 8 bits");
        refused(o -> o.put("ier", "0xf0"), "ier 0xf0 has bits outside");
        refused(o -> o.put("thr_pending", "yes"), "devices[0] (serial).thr_pending: expected true or false");
        refused(o -> o.put("extra", 1), "devices[0] (serial).extra: unknown field");
        refused(o -> o.remove("lcr"), "devices[0] (serial).lcr: expected a hex number");
    }

    private static void refused(java.util.function.Consumer<ObjectNode> change, String expected) {
        ObjectNode o = (ObjectNode) SerialRecord.record("serial", STATE).state().deepCopy();
        change.accept(o);
        SnapshotException e = assertThrows(SnapshotException.class, () -> SerialRecord.fromJson(o, "devices[0] (serial)"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("devices[0] (serial)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}

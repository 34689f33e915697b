package io.jvmm.core.kvm;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class KvmIoctlsTest {
    @Test
    void knownValuesArePinned() {
        // Values from <linux/kvm.h> on x86-64, written down once so a change to _IOC shows at once.
        assertEquals(0xAE00L, KvmIoctls.KVM_GET_API_VERSION);
        assertEquals(0xAE01L, KvmIoctls.KVM_CREATE_VM);
        assertEquals(0xAE41L, KvmIoctls.KVM_CREATE_VCPU);
        assertEquals(0xAE80L, KvmIoctls.KVM_RUN);
        assertEquals(0x4020AE46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        assertEquals(0x8090AE81L, KvmIoctls.KVM_GET_REGS);
        assertEquals(0x4090AE82L, KvmIoctls.KVM_SET_REGS);
        assertEquals(0x8138AE83L, KvmIoctls.KVM_GET_SREGS);
        assertEquals(0xC008AE05L, KvmIoctls.KVM_GET_SUPPORTED_CPUID);
        assertEquals(0x4008AE90L, KvmIoctls.KVM_SET_CPUID2);
        assertEquals(0x4020AE76L, KvmIoctls.KVM_IRQFD);
        assertEquals(0x4040AE79L, KvmIoctls.KVM_IOEVENTFD);
    }

    @Test
    void everyIoctlNumberAndConstantMatchesTheKernelHeader() throws Exception {
        assumeTrue(KernelHeaderCheck.available(), KernelHeaderCheck.unavailableReason());
        Map<String, Long> ours = new LinkedHashMap<>();
        for (Class<?> c : new Class<?>[] {KvmIoctls.class, KvmRun.class, KvmIoeventfd.class, KvmIrqfd.class,
                KvmPitConfig.class, KvmMpState.class, KvmIrqchip.class}) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Modifier.isStatic(mod) && Modifier.isPublic(mod) && f.getName().startsWith("KVM_")
                        && (f.getType() == long.class || f.getType() == int.class)) {
                    ours.put(f.getName(), ((Number) f.get(null)).longValue());
                }
            }
        }
        Map<String, String> expressions = new LinkedHashMap<>();
        ours.keySet().forEach(n -> expressions.put(n, n));
        Map<String, Long> c = KernelHeaderCheck.evaluate(expressions);
        assertTrue(ours.size() > 50, "checked only " + ours.size());
        ours.forEach((name, value) -> assertEquals(c.get(name), value,
                name + ": header says 0x" + Long.toHexString(c.get(name)) + ", jvmm says 0x" + Long.toHexString(value)));
    }
}

package io.jvmm.machine;

import java.util.Objects;

/**
 * A machine spec that cannot be built: the message starts with the spec field it is about, in the
 * machine's words ({@code "disk 2: /x.img: no such file"}, {@code "memory: 4096 bytes is below the 1 MiB
 * minimum"}), never a front end's option; front ends show it as it is or put their own words around it.
 */
public final class MachineSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public MachineSpecException(String field, String problem) {
        super(Objects.requireNonNull(field) + ": " + problem);
        this.field = field;
    }

    /** The field the problem is about: {@code kernel}, {@code memory}, {@code cpus}, {@code disk 2} ... */
    public String field() {
        return field;
    }
}

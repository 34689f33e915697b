/**
 * How a machine ends ({@link io.jvmm.core.lifecycle.MachineExit}): the one run-time value the front ends
 * exchange with a machine, so it is exported to every module while {@code io.jvmm.core.vm}, which
 * produces it, is not.
 */
package io.jvmm.core.lifecycle;

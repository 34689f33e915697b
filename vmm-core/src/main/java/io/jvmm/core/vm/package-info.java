/**
 * A running machine: vCPU threads, the exit dispatcher that routes exits to the buses, stop handling
 * and exit statistics. Exported only to the machine assembly.
 */
package io.jvmm.core.vm;

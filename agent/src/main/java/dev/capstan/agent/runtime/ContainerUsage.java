package dev.capstan.agent.runtime;

import java.time.Instant;

/**
 * One measurement of a container's resource use: CPU time used since it started (all cores
 * summed) and its memory working set now, as cgroups report them. A CPU rate needs two of these.
 *
 * @param containerId the runtime's container id
 * @param timestamp when the runtime took the measurement
 * @param cpuCoreNanos cumulative CPU time in nanoseconds
 * @param memoryWorkingSetBytes memory in use minus what the kernel can reclaim at once
 */
public record ContainerUsage(String containerId, Instant timestamp, long cpuCoreNanos, long memoryWorkingSetBytes) {}

package dev.capstan.agent.runtime;

/**
 * The compute resources of one container, as the runtime enforces them (CRI
 * LinuxContainerResources, before translation to cgroup values). Zero means "not set".
 *
 * @param cpuRequestMillis the CPU request in millicores: the container's relative weight
 * @param cpuLimitMillis the CPU limit in millicores: a hard quota
 * @param memoryLimitBytes the memory limit in bytes: exceeding it gets the container OOM-killed
 */
public record ContainerResources(long cpuRequestMillis, long cpuLimitMillis, long memoryLimitBytes) {
  public static final ContainerResources NONE = new ContainerResources(0, 0, 0);

  public ContainerResources {
    if (cpuRequestMillis < 0 || cpuLimitMillis < 0 || memoryLimitBytes < 0) {
      throw new IllegalArgumentException("resources: must not be negative, got cpu request " + cpuRequestMillis
          + "m, cpu limit " + cpuLimitMillis + "m, memory limit " + memoryLimitBytes);
    }
  }
}

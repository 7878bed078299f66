package dev.capstan.agent.runtime.cri;

import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.cri.v1.Cri;

/**
 * Translates a container's CPU and memory into CRI LinuxContainerResources with kubelet's
 * arithmetic: the CPU request becomes cgroup shares (1 CPU = 1024 shares, at least 2, and 2 when
 * nothing is requested), the CPU limit a CFS quota per 100 ms period (at least 1 ms), and the
 * memory limit the cgroup's memory limit.
 */
public final class CriResources {
  public static final long CPU_PERIOD_MICROS = 100_000;
  private static final long MIN_SHARES = 2;
  private static final long MIN_QUOTA_MICROS = 1_000;

  private CriResources() {}

  public static Cri.LinuxContainerResources toCri(ContainerResources r) {
    Cri.LinuxContainerResources.Builder b = Cri.LinuxContainerResources.newBuilder()
        .setCpuShares(Math.max(MIN_SHARES, r.cpuRequestMillis() * 1024 / 1000));
    if (r.cpuLimitMillis() > 0) {
      b.setCpuPeriod(CPU_PERIOD_MICROS)
          .setCpuQuota(Math.max(MIN_QUOTA_MICROS, r.cpuLimitMillis() * CPU_PERIOD_MICROS / 1000));
    }
    if (r.memoryLimitBytes() > 0) {
      b.setMemoryLimitInBytes(r.memoryLimitBytes());
    }
    return b.build();
  }
}

package dev.capstan.agent.runtime.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.cri.v1.Cri;
import org.junit.jupiter.api.Test;

class CriResourcesTest {
  @Test
  void cpuRequestBecomesSharesAndLimitAQuotaPerPeriod() {
    Cri.LinuxContainerResources r = CriResources.toCri(new ContainerResources(250, 500, 64L << 20));
    assertThat(r.getCpuShares()).isEqualTo(256);
    assertThat(r.getCpuPeriod()).isEqualTo(100_000);
    assertThat(r.getCpuQuota()).isEqualTo(50_000);
    assertThat(r.getMemoryLimitInBytes()).isEqualTo(64L << 20);
  }

  @Test
  void nothingRequestedIsTheMinimumWeightAndNoLimit() {
    Cri.LinuxContainerResources r = CriResources.toCri(ContainerResources.NONE);
    assertThat(r.getCpuShares()).isEqualTo(2);
    assertThat(r.getCpuQuota()).isZero();
    assertThat(r.getCpuPeriod()).isZero();
    assertThat(r.getMemoryLimitInBytes()).isZero();
  }

  @Test
  void tinyValuesAreRaisedToWhatTheKernelAccepts() {
    Cri.LinuxContainerResources r = CriResources.toCri(new ContainerResources(1, 1, 0));
    assertThat(r.getCpuShares()).isEqualTo(2);
    assertThat(r.getCpuQuota()).isEqualTo(1_000);
  }
}

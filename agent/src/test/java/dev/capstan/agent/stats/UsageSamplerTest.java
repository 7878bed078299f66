package dev.capstan.agent.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerUsage;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.testing.FakeRuntime;
import dev.capstan.agent.testing.MutableClock;
import dev.capstan.api.core.v1.NodeStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageSamplerTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(T0);
  private final FakeRuntime runtime = new FakeRuntime(clock);
  @TempDir
  Path proc;

  @Test
  void parsesProcfsAsTheKubeletCountsIt() {
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    assertThat(HostUsage.busyNanos(List.of("cpu  100 5 50 1000 40 3 2 0 0 0", "cpu0 1 1 1 1 1 1 1 1")))
        .isEqualTo(160 * 10_000_000L);
    assertThat(HostUsage.workingSet(List.of("MemTotal:       16000000 kB", "MemFree: 1 kB",
        "MemAvailable:   12000000 kB"))).isEqualTo(4_000_000L * 1024);
  }

  @Test
  void cpuIsARateBetweenSamplesAtLeastASecondApartAndMemoryIsTheNewest() throws IOException {
    writeProc(1000, 8_000_000, 6_000_000);
    String sandbox = runtime.runPodSandbox(new PodSandboxConfig("web", "default", "uid-1", 0, "web", Path.of("/logs"),
        false, Map.of(RuntimeLabels.POD_UID, "uid-1", RuntimeLabels.POD_NAME, "web", RuntimeLabels.POD_NAMESPACE, "default"),
        Map.of(), List.of())).id();
    String id = runtime.createContainer(sandbox, new ContainerConfig("app", 0, "busybox", List.of("sleep"), List.of(),
        "", List.of(), Path.of("app/0.log"), Map.of(RuntimeLabels.POD_UID, "uid-1", RuntimeLabels.POD_NAME, "web",
            RuntimeLabels.POD_NAMESPACE, "default", RuntimeLabels.CONTAINER_NAME, "app"), Map.of(),
        ImagePullPolicy.IF_NOT_PRESENT, null, List.of()));
    runtime.startContainer(id);
    runtime.usage = List.of(new ContainerUsage(id, T0, 5_000_000_000L, 10L << 20));
    UsageSampler sampler = new UsageSampler(runtime, new HostUsage(proc), clock, "node-1");

    NodeStats first = sampler.stats();
    assertThat(first.getUsage().getCpuKnown()).as("one sample gives no rate").isFalse();
    assertThat(first.getUsage().getMemoryWorkingSetBytes()).isEqualTo(2_000_000L * 1024);
    assertThat(first.getPods(0).getContainers(0).getUsage().getMemoryWorkingSetBytes()).isEqualTo(10L << 20);

    // Half a second later: still too short a window.
    clock.advance(Duration.ofMillis(500));
    assertThat(sampler.stats().getUsage().getCpuKnown()).isFalse();

    // Two seconds after the first: the node used 100 ticks (1 s of CPU) in 2 s, the container 0.5 s.
    clock.set(T0.plusSeconds(2));
    writeProc(1100, 8_000_000, 5_000_000);
    runtime.usage = List.of(new ContainerUsage(id, T0.plusSeconds(2), 5_500_000_000L, 12L << 20));
    NodeStats stats = sampler.stats();
    assertThat(stats.getNodeName()).isEqualTo("node-1");
    assertThat(stats.getWindowSeconds()).isEqualTo(1.5);
    assertThat(stats.getUsage().getCpuKnown()).isTrue();
    // Measured against the sample at 0.5 s (the newest one a second older), 100 ticks in 1.5 s.
    assertThat(stats.getUsage().getCpuNanoCores()).isEqualTo(666_666_667L);
    assertThat(stats.getUsage().getMemoryWorkingSetBytes()).isEqualTo(3_000_000L * 1024);
    assertThat(stats.getPodsList()).singleElement().satisfies(p -> {
      assertThat(p.getNamespace()).isEqualTo("default");
      assertThat(p.getName()).isEqualTo("web");
      assertThat(p.getContainers(0).getName()).isEqualTo("app");
      assertThat(p.getContainers(0).getUsage().getCpuNanoCores()).isEqualTo(250_000_000L);
      assertThat(p.getContainers(0).getUsage().getMemoryWorkingSetBytes()).isEqualTo(12L << 20);
    });
  }

  private void writeProc(long userTicks, long totalKib, long availableKib) throws IOException {
    Files.writeString(proc.resolve("stat"), "cpu  " + userTicks + " 0 0 5000 0 0 0 0 0 0\n");
    Files.writeString(proc.resolve("meminfo"), "MemTotal: " + totalKib + " kB\nMemAvailable: " + availableKib + " kB\n");
  }
}

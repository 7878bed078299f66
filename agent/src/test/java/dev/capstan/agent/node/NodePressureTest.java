package dev.capstan.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.runtime.process.ProcessRuntime;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodePressureTest {
  @TempDir
  Path dir;

  @Test
  void memoryPressureStartsUnderOneHundredMebibytesAvailable() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    NodePressure pressure = new NodePressure(meminfo, dir.resolve("data"));
    Files.writeString(meminfo, "MemTotal: 4000000 kB\nMemFree: 1000 kB\nMemAvailable: 2048000 kB\n");
    NodePressure.Reading plenty = pressure.read();
    assertThat(plenty.memoryPressure()).isFalse();
    assertThat(plenty.memoryMessage()).isEqualTo("agent has sufficient memory available: 2000 MiB available");
    // This test's own filesystem is not 90% full, or the machine has bigger trouble.
    assertThat(plenty.diskPressure()).isFalse();
    assertThat(plenty.diskMessage()).startsWith("agent has no disk pressure: ").contains("MiB free");

    Files.writeString(meminfo, "MemTotal: 4000000 kB\nMemAvailable: 51200 kB\n");
    NodePressure.Reading tight = pressure.read();
    assertThat(tight.memoryPressure()).isTrue();
    assertThat(tight.memoryMessage()).isEqualTo("agent has 50 MiB available, under the 100 MiB threshold");
  }

  @Test
  void theNodeStatusCarriesTheMeasuredConditions() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    Files.writeString(meminfo, "MemTotal: 4000000 kB\nMemAvailable: 51200 kB\n");
    HostInfo host = HostInfo.detect();
    NodeStatusGenerator generator = new NodeStatusGenerator("node-1", host, "10.0.0.1", 10250, ProcessRuntime.VERSION,
        new NodePressure(meminfo, dir));
    NodeStatus status = generator.generate(NodeStatus.getDefaultInstance(), Instant.parse("2030-01-01T00:00:00Z"));
    NodeCondition memory = status.getConditionsList().stream().filter(c -> c.getType().equals("MemoryPressure"))
        .findFirst().orElseThrow();
    assertThat(memory.getStatus()).isEqualTo("True");
    assertThat(memory.getReason()).isEqualTo("KubeletHasInsufficientMemory");
    assertThat(status.getConditionsList()).filteredOn(c -> c.getType().equals("DiskPressure"))
        .singleElement().satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"));
  }
}

package dev.capstan.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostInfoTest {
  @TempDir Path dir;

  @Test
  void readsMemoryOsAndMachineIdFromTheHostFiles() throws IOException {
    Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       24684096 kB\nMemFree:        1 kB\n");
    Path osRelease = Files.writeString(dir.resolve("os-release"), "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
    Path machineId = Files.writeString(dir.resolve("machine-id"), "3d1219c7c4c5404aaa1f6d2a48adfda4\n");

    HostInfo host = HostInfo.read(4, meminfo, osRelease, machineId, "6.1.0", "x86_64");

    assertThat(host).isEqualTo(new HostInfo(4, 24684096, "3d1219c7c4c5404aaa1f6d2a48adfda4", "6.1.0",
        "Debian GNU/Linux 12 (bookworm)", "linux", "amd64"));
  }

  @Test
  void missingFilesGiveEmptyValues() {
    HostInfo host = HostInfo.read(1, dir.resolve("no"), dir.resolve("no"), dir.resolve("no"), "", "aarch64");
    assertThat(host.memoryKibibytes()).isZero();
    assertThat(host.osImage()).isEmpty();
    assertThat(host.architecture()).isEqualTo("arm64");
  }

  @Test
  void theDetectedHostHasCpusAndMemory() {
    HostInfo host = HostInfo.detect();
    assertThat(host.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(host.memoryKibibytes()).isPositive();
  }

  @Test
  void nodeStatusReportsCapacityAddressesAndAFreshHeartbeat() {
    HostInfo host = new HostInfo(2, 1024, "m", "k", "os", "linux", "amd64");
    NodeStatusGenerator generator = new NodeStatusGenerator("node-1", host, "10.0.0.1", 10250, ProcessRuntime.VERSION);
    Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
    NodeStatus first = generator.generate(NodeStatus.getDefaultInstance(), t0);

    assertThat(first.getCapacityMap()).containsEntry("cpu", "2").containsEntry("memory", "1024Ki").containsEntry("pods", "110");
    assertThat(first.getAllocatableMap()).isEqualTo(first.getCapacityMap());
    assertThat(first.getAddressesList()).extracting(a -> a.getType() + "=" + a.getAddress())
        .containsExactly("InternalIP=10.0.0.1", "Hostname=node-1");
    assertThat(first.getNodeInfo().getContainerRuntimeVersion()).isEqualTo("process://1.0");
    assertThat(first.getNodeInfo().getKubeletVersion()).isEqualTo("capstan/0.1.0");
    assertThat(first.getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(10250);
    assertThat(generator.labels()).containsEntry("kubernetes.io/hostname", "node-1")
        .containsEntry("kubernetes.io/os", "linux").containsEntry("kubernetes.io/arch", "amd64");

    Instant t1 = t0.plusSeconds(10);
    NodeCondition ready = generator.generate(first, t1).getConditionsList().stream()
        .filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("KubeletReady");
    assertThat(ready.getLastHeartbeatTime()).isEqualTo(ProtoTimestamps.of(t1));
    assertThat(ready.getLastTransitionTime()).isEqualTo(ProtoTimestamps.of(t0));
  }
}

package dev.capstan.agent.runtime.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.containerd.ContainerdSupervisor;
import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.cri.v1.Cri;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CriRuntime} against a real containerd with real runc, started by a
 * {@link ContainerdSupervisor} in a temporary directory ({@link ContainerdFixture}), with Capstan's
 * pause image and a busybox image built from the host's {@code /bin/busybox}. Pods get IPs on a
 * bridge of the test's own, which only the host talks to. What every runtime must do is in
 * {@code ContainerdRuntimeConformanceTest}; this class holds what is containerd's own: the
 * supervisor, other CRI clients on the same containerd.
 *
 * <p>Needs root (containerd and runc do); as root it always runs, and {@code scripts/test}
 * installs containerd first.
 */
class CriRuntimeContainerdTest {
  private static final String BUSYBOX = ContainerdFixture.BUSYBOX;
  private static ContainerdFixture fixture;
  private static ContainerdSupervisor containerd;
  private static CriRuntime runtime;
  private static Path dir;

  @BeforeAll
  static void startContainerd() throws IOException {
    fixture = ContainerdFixture.start();
    containerd = fixture.containerd();
    runtime = fixture.runtime();
    dir = fixture.dir();
  }

  @AfterAll
  static void stopContainerd() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void reportsItselfAsContainerdReadyWithTheBusyboxImage() {
    assertThat(runtime.version().runtimeName()).isEqualTo("containerd");
    assertThat(runtime.version().runtimeApiVersion()).isEqualTo("v1");
    assertThat(runtime.ready()).isTrue();
    assertThat(runtime.images().status(BUSYBOX)).isPresent();
  }

  @Test
  void podsKeepRunningWhileTheSupervisorRestartsAKilledContainerd() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("survivor"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    int before = containerd.restarts();
    ProcessHandle daemon = containerd.process().orElseThrow();

    daemon.destroyForcibly();

    await().atMost(Duration.ofSeconds(30)).until(() -> containerd.restarts() > before && containerd.answers());
    assertThat(containerd.process()).isPresent().get().isNotEqualTo(daemon);
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> runtime.containerStatus(id).state() == ContainerState.RUNNING);
    runtime.stopContainer(id, Duration.ofSeconds(5));
    assertThat(runtime.containerStatus(id).exitCode()).isZero();
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void listsOnlyWhatItCreatedSoOtherCriClientsPodsAreLeftAlone() {
    PodSandbox ours = runtime.runPodSandbox(sandboxConfig("ours"));
    try (CriClient other = new CriClient(containerd.socket())) {
      // Another CRI client (a kubelet, crictl) using kubelet's own labels on the same containerd.
      String foreign = other.runtime(Duration.ofMinutes(1)).runPodSandbox(Cri.RunPodSandboxRequest.newBuilder()
          .setConfig(Cri.PodSandboxConfig.newBuilder()
              .setMetadata(Cri.PodSandboxMetadata.newBuilder().setName("foreign").setNamespace("default").setUid("f-1"))
              .setLogDirectory(dir.resolve("foreign").toString())
              .putLabels("io.kubernetes.pod.uid", "f-1"))
          .build()).getPodSandboxId();
      try {
        assertThat(runtime.listPodSandboxes(Map.of())).extracting(PodSandbox::id)
            .contains(ours.id()).doesNotContain(foreign);
      } finally {
        other.runtime().removePodSandbox(Cri.RemovePodSandboxRequest.newBuilder().setPodSandboxId(foreign).build());
        runtime.removePodSandbox(ours.id());
      }
    }
  }

  private static PodSandboxConfig sandboxConfig(String name) {
    return new PodSandboxConfig(name, "default", UUID.randomUUID().toString(), 0, name,
        dir.resolve("pods").resolve(name + "-" + UUID.randomUUID()), false, Map.of("app", name), Map.of("note", "kept"));
  }

  private static ContainerConfig container(PodSandbox sandbox, String name, List<String> command,
      ContainerResources resources) {
    return new ContainerConfig(name, 0, BUSYBOX, command, List.of(), "/tmp",
        List.of(new ContainerConfig.EnvVar("GREETING", "world")), Path.of(name, "0.log"),
        sandbox.labels(), Map.of(), ImagePullPolicy.IF_NOT_PRESENT, resources);
  }
}

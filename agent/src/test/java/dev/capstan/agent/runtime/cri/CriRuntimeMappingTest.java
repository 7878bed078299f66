package dev.capstan.agent.runtime.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.PortMapping;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.cri.v1.Cri;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The translation between the runtime interface and CRI messages, without a runtime. */
class CriRuntimeMappingTest {
  private final PodSandboxConfig sandbox = new PodSandboxConfig("web", "shop", "uid-1", 2, "web-host",
      Path.of("/data/pods/uid-1"), false, Map.of("app", "web"), Map.of("note", "x"),
      List.of(new PortMapping("TCP", 80, 8080, "")));

  @Test
  void aSandboxConfigSurvivesTheRoundTripThroughCri() {
    Cri.PodSandboxConfig cri = CriRuntime.toCri(sandbox);
    assertThat(cri.getMetadata().getAttempt()).isEqualTo(2);
    assertThat(cri.getHostname()).isEqualTo("web-host");
    assertThat(cri.getLogDirectory()).isEqualTo("/data/pods/uid-1");
    assertThat(cri.getPortMappingsList()).singleElement()
        .satisfies(p -> assertThat(p.getContainerPort() + "->" + p.getHostPort()).isEqualTo("80->8080"));
    assertThat(cri.getLinux().getSecurityContext().getNamespaceOptions().getNetwork()).isEqualTo(Cri.NamespaceMode.POD);

    PodSandboxConfig back = CriRuntime.fromCri(cri.getMetadata(), cri.getLabelsMap(), cri.getAnnotationsMap());
    assertThat(back.name()).isEqualTo("web");
    assertThat(back.namespace()).isEqualTo("shop");
    assertThat(back.hostname()).isEqualTo("web-host");
    assertThat(back.logDirectory()).isEqualTo(Path.of("/data/pods/uid-1"));
    assertThat(back.hostNetwork()).isFalse();
    assertThat(back.labels()).isEqualTo(Map.of("app", "web"));
    assertThat(back.annotations()).as("our own annotations are removed again").isEqualTo(Map.of("note", "x"));
  }

  @Test
  void aHostNetworkSandboxHasNoHostnameAndUsesTheNodesNetwork() {
    PodSandboxConfig host = new PodSandboxConfig("web", "shop", "uid-1", 0, "web-host", Path.of("/logs"), true,
        Map.of(), Map.of(), List.of(new PortMapping("TCP", 80, 8080, "")));
    Cri.PodSandboxConfig cri = CriRuntime.toCri(host);
    assertThat(cri.getHostname()).isEmpty();
    assertThat(cri.getPortMappingsList()).isEmpty();
    assertThat(cri.getLinux().getSecurityContext().getNamespaceOptions().getNetwork()).isEqualTo(Cri.NamespaceMode.NODE);
    assertThat(CriRuntime.fromCri(cri.getMetadata(), cri.getLabelsMap(), cri.getAnnotationsMap()).hostname())
        .isEqualTo("web-host");
  }

  @Test
  void aContainerConfigCarriesCommandEnvResourcesMountsAndItsLogPath() {
    ContainerConfig c = new ContainerConfig("app", 1, "busybox:1.36", List.of("sh", "-c"), List.of("echo hi"), "/tmp",
        List.of(new ContainerConfig.EnvVar("A", "1")), Path.of("app/1.log"), Map.of("k", "v"), Map.of(),
        ImagePullPolicy.IF_NOT_PRESENT, new ContainerResources(100, 200, 1 << 20),
        List.of(new Mount(Path.of("/data/volumes/u1/www"), "/www", true)));
    Cri.ContainerConfig cri = CriRuntime.toCri(c, sandbox);
    assertThat(cri.getMountsList()).containsExactly(Cri.Mount.newBuilder().setHostPath("/data/volumes/u1/www")
        .setContainerPath("/www").setReadonly(true).build());
    assertThat(cri.getMetadata().getAttempt()).isEqualTo(1);
    assertThat(cri.getCommandList()).containsExactly("sh", "-c");
    assertThat(cri.getArgsList()).containsExactly("echo hi");
    assertThat(cri.getEnvsList()).extracting(kv -> kv.getKey() + "=" + kv.getValue()).containsExactly("A=1");
    assertThat(cri.getLogPath()).isEqualTo("app/1.log");
    assertThat(cri.getLinux().getResources().getCpuQuota()).isEqualTo(20_000);
    assertThat(cri.getLinux().getResources().getMemoryLimitInBytes()).isEqualTo(1 << 20);
  }

  @Test
  void anExitedStatusWithoutReasonGetsOneFromItsExitCode() {
    Cri.ContainerStatus status = Cri.ContainerStatus.newBuilder().setId("c1")
        .setMetadata(Cri.ContainerMetadata.newBuilder().setName("app").setAttempt(3))
        .setState(Cri.ContainerState.CONTAINER_EXITED).setExitCode(2)
        .setCreatedAt(1_000_000_001L).setStartedAt(2_000_000_000L).setFinishedAt(3_000_000_000L)
        .setLogPath("/data/pods/uid-1/app/3.log")
        .putAnnotations(CriRuntime.ANNOTATION_LOG_PATH, "app/3.log")
        .build();
    RuntimeContainer c = CriRuntime.fromCri(status, "sb1");
    assertThat(c.state()).isEqualTo(ContainerState.EXITED);
    assertThat(c.reason()).isEqualTo(RuntimeContainer.REASON_ERROR);
    assertThat(c.attempt()).isEqualTo(3);
    assertThat(c.createdAt().getNano()).isEqualTo(1);
    assertThat(c.logPath()).isEqualTo(Path.of("/data/pods/uid-1/app/3.log"));
    assertThat(c.config().logPath()).isEqualTo(Path.of("app/3.log"));
    assertThat(c.config().annotations()).isEmpty();

    RuntimeContainer created = CriRuntime.fromCri(status.toBuilder().setState(Cri.ContainerState.CONTAINER_CREATED)
        .setStartedAt(0).setFinishedAt(0).build(), "sb1");
    assertThat(created.startedAt()).isNull();
    assertThat(created.finishedAt()).isNull();
    assertThat(created.reason()).isEmpty();
  }
}

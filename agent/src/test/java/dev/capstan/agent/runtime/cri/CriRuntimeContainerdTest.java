package dev.capstan.agent.runtime.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.CriLogLine;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.ImagePullException;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.LogStream;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.containerd.ContainerdSupervisor;
import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.cri.v1.Cri;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CriRuntime} against a real containerd with real runc, started by a
 * {@link ContainerdSupervisor} in a temporary directory ({@link ContainerdFixture}), with Capstan's
 * pause image and a busybox image built from the host's {@code /bin/busybox}. Pods get IPs on a
 * bridge of the test's own, which only the host talks to.
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
  void reportsItselfAsContainerdWithPodIpsAndIsolation() {
    assertThat(runtime.version().runtimeName()).isEqualTo("containerd");
    assertThat(runtime.version().runtimeApiVersion()).isEqualTo("v1");
    assertThat(runtime.features()).contains(RuntimeFeature.POD_IP, RuntimeFeature.ISOLATION, RuntimeFeature.IMAGES,
        RuntimeFeature.RESOURCE_LIMITS);
    assertThat(runtime.ready()).isTrue();
    assertThat(runtime.images().status(BUSYBOX)).isPresent();
  }

  @Test
  void runsAContainerInAPodWithItsOwnIpAndReportsExitCodeAndCriLogs() throws IOException {
    List<ContainerEvent> events = new CopyOnWriteArrayList<>();
    AutoCloseable subscription = runtime.subscribe(events::add);
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("greeter"));
    assertThat(sandbox.ready()).isTrue();
    assertThat(sandbox.ip()).startsWith("10.244.");
    assertThat(runtime.listPodSandboxes(Map.of("app", "greeter"))).extracting(PodSandbox::id)
        .containsExactly(sandbox.id());
    assertThat(runtime.podSandboxStatus(sandbox.id()).config().logDirectory())
        .isEqualTo(sandbox.config().logDirectory());

    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "echo hello $GREETING from $(pwd); echo oops >&2; exit 3"), ContainerResources.NONE));
    runtime.startContainer(id);
    RuntimeContainer exited = awaitExit(id);

    assertThat(exited.exitCode()).isEqualTo(3);
    assertThat(exited.reason()).isEqualTo(RuntimeContainer.REASON_ERROR);
    assertThat(exited.sandboxId()).isEqualTo(sandbox.id());
    assertThat(exited.name()).isEqualTo("main");
    assertThat(exited.labels()).containsEntry("app", "greeter");
    assertThat(exited.startedAt()).isNotNull();
    // containerd takes the start and exit times from different events; for a container that exits
    // at once, the exit was seen stamped 7 ms before the start.
    assertThat(exited.finishedAt()).isAfterOrEqualTo(exited.startedAt().minusMillis(100));
    assertThat(exited.logPath()).isEqualTo(sandbox.config().logDirectory().resolve("main/0.log"));
    assertThat(exited.config().logPath()).isEqualTo(Path.of("main/0.log"));
    List<CriLogLine> lines = readLog(exited.logPath());
    assertThat(lines).filteredOn(l -> l.stream() == LogStream.STDOUT).extracting(CriRuntimeContainerdTest::text)
        .containsExactly("hello world from /tmp");
    assertThat(lines).filteredOn(l -> l.stream() == LogStream.STDERR).extracting(CriRuntimeContainerdTest::text)
        .containsExactly("oops");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(events).filteredOn(e -> e.containerId().equals(id)).extracting(ContainerEvent::type)
            .contains(ContainerEvent.Type.STOPPED));
    try {
      subscription.close();
    } catch (Exception e) {
      throw new AssertionError(e);
    }

    runtime.removePodSandbox(sandbox.id());
    assertThat(runtime.listPodSandboxes(Map.of("app", "greeter"))).isEmpty();
    assertThat(runtime.listContainers(Map.of("app", "greeter"))).isEmpty();
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void stopsARunningContainerAndExecsInIt() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("sleeper"));
    // busybox sh as PID 1 ignores SIGTERM unless it traps it.
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    assertThat(runtime.containerStatus(id).state()).isEqualTo(ContainerState.RUNNING);

    ExecResult exec = runtime.execSync(id, List.of("sh", "-c", "echo $GREETING; exit 4"),
        Duration.ofSeconds(10));
    assertThat(exec.exitCode()).isEqualTo(4);
    assertThat(new String(exec.stdout(), StandardCharsets.UTF_8)).isEqualTo("world\n");

    runtime.stopContainer(id, Duration.ofSeconds(10));
    RuntimeContainer stopped = runtime.containerStatus(id);
    assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
    assertThat(stopped.exitCode()).isZero();
    assertThat(stopped.reason()).isEqualTo(RuntimeContainer.REASON_COMPLETED);
    runtime.stopContainer(id, Duration.ZERO);

    runtime.removeContainer(id);
    runtime.removeContainer(id);
    assertThat(runtime.listContainers(Map.of("app", "sleeper"))).isEmpty();
    runtime.stopPodSandbox(sandbox.id());
    assertThat(runtime.podSandboxStatus(sandbox.id()).ready()).isFalse();
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void aContainerOverItsMemoryLimitIsOomKilled() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("hog"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "hog", List.of("sh", "-c",
        "x=$(head -c 200m /dev/zero | tr '\\0' a); echo survived"), new ContainerResources(100, 1000, 32L << 20)));
    runtime.startContainer(id);
    RuntimeContainer exited = awaitExit(id);
    assertThat(exited.reason()).isEqualTo(RuntimeContainer.REASON_OOM_KILLED);
    assertThat(exited.exitCode()).isEqualTo(137);
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void theHostReachesAnHttpServerAtThePodIp() throws Exception {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("web"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "httpd", List.of("sh", "-c",
        "echo hello from $HOSTNAME > /var/www/index.html && exec httpd -f -p 8080 -h /var/www"),
        ContainerResources.NONE));
    runtime.startContainer(id);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + sandbox.ip() + ":8080/index.html"))
        .timeout(Duration.ofSeconds(2)).build();
    List<String> bodies = new ArrayList<>();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
      HttpResponse<String> response = http.send(get, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      bodies.add(response.body());
    });
    assertThat(bodies).last().isEqualTo("hello from web\n");

    // httpd as PID 1 ignores SIGTERM: no grace, straight to SIGKILL.
    runtime.stopContainer(id, Duration.ZERO);
    assertThat(runtime.containerStatus(id).exitCode()).isEqualTo(137);
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void pullPolicyNeverFailsForAMissingImageWithoutContactingARegistry() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("missing"));
    ContainerConfig config = new ContainerConfig("main", 0, "docker.io/library/not-here:1", List.of("true"), List.of(),
        "", List.of(), Path.of("main/0.log"), Map.of("app", "missing"), Map.of(), ImagePullPolicy.NEVER,
        ContainerResources.NONE);
    assertThatThrownBy(() -> runtime.createContainer(sandbox.id(), config))
        .isInstanceOfSatisfying(ImagePullException.class,
            e -> assertThat(e.reason()).isEqualTo(ImagePullException.ERR_IMAGE_NEVER_PULL));
    runtime.removePodSandbox(sandbox.id());
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

  private static RuntimeContainer awaitExit(String id) {
    return await().atMost(Duration.ofSeconds(60)).until(() -> runtime.containerStatus(id),
        c -> c.state() == ContainerState.EXITED);
  }

  private static List<CriLogLine> readLog(Path path) throws IOException {
    List<CriLogLine> out = new ArrayList<>();
    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      out.add(CriLogLine.parse(bytes, 0, bytes.length));
    }
    return out;
  }

  private static String text(CriLogLine line) {
    return new String(line.message(), StandardCharsets.UTF_8);
  }
}

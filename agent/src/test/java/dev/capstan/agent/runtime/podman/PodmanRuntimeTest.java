package dev.capstan.agent.runtime.podman;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.CriLogLine;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.ImagePullException;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.LogStream;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.testing.PodmanFixture;
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
 * {@link PodmanRuntime} against a real Podman 4.3.1 API service with real conmon and runc,
 * started by a {@link PodmanService} in a temporary directory ({@link PodmanFixture}), with
 * Capstan's pause image and a busybox image built from the host's {@code /bin/busybox}. Pods get
 * IPs on a bridge of the test's own, which only the host talks to.
 *
 * <p>Needs root (rootful Podman does); as root it always runs.
 */
class PodmanRuntimeTest {
  private static final String BUSYBOX = PodmanFixture.BUSYBOX;
  private static PodmanFixture fixture;
  private static PodmanRuntime runtime;
  private static Path dir;

  @BeforeAll
  static void startPodman() throws IOException {
    fixture = PodmanFixture.start();
    runtime = fixture.runtime();
    dir = fixture.dir();
  }

  @AfterAll
  static void stopPodman() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void reportsItselfAsPodmanWithEveryFeature() {
    assertThat(runtime.version().runtimeName()).isEqualTo("podman");
    assertThat(runtime.version().runtimeVersion()).isEqualTo("4.3.1");
    assertThat(runtime.version().runtimeApiVersion()).startsWith("libpod/");
    assertThat(runtime.features()).containsExactlyInAnyOrder(RuntimeFeature.values());
    assertThat(runtime.images().present(BUSYBOX)).isTrue();
  }

  @Test
  void runsAContainerInAPodWithItsOwnIpAndReportsExitCodeAndCriLogs() throws Exception {
    List<ContainerEvent> events = new CopyOnWriteArrayList<>();
    AutoCloseable subscription = runtime.subscribe(events::add);
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("greeter"));
    assertThat(sandbox.ready()).isTrue();
    assertThat(sandbox.ip()).startsWith("10.243.");
    assertThat(sandbox.config()).isEqualTo(sandbox.config());
    assertThat(runtime.listPodSandboxes(Map.of("app", "greeter"))).extracting(PodSandbox::id)
        .containsExactly(sandbox.id());
    PodSandbox status = runtime.podSandboxStatus(sandbox.id());
    assertThat(status.config().logDirectory()).isEqualTo(sandbox.config().logDirectory());
    assertThat(status.labels()).isEqualTo(Map.of("app", "greeter"));
    assertThat(status.config().annotations()).isEqualTo(Map.of("note", "kept"));

    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "echo hello $GREETING from $(pwd) on $(hostname); echo oops >&2; exit 3"), ContainerResources.NONE));
    assertThat(runtime.containerStatus(id).state()).isEqualTo(ContainerState.CREATED);
    runtime.startContainer(id);
    RuntimeContainer exited = awaitExit(id);

    assertThat(exited.exitCode()).isEqualTo(3);
    assertThat(exited.reason()).isEqualTo(RuntimeContainer.REASON_ERROR);
    assertThat(exited.sandboxId()).isEqualTo(sandbox.id());
    assertThat(exited.name()).isEqualTo("main");
    assertThat(exited.attempt()).isZero();
    assertThat(exited.labels()).isEqualTo(Map.of("app", "greeter"));
    assertThat(exited.config().annotations()).isEqualTo(Map.of("a", "b"));
    assertThat(exited.startedAt()).isNotNull();
    assertThat(exited.finishedAt()).isAfterOrEqualTo(exited.startedAt());
    assertThat(exited.logPath()).isEqualTo(sandbox.config().logDirectory().resolve("main/0.log"));
    assertThat(exited.config().logPath()).isEqualTo(Path.of("main/0.log"));
    List<CriLogLine> lines = readLog(exited.logPath());
    assertThat(lines).filteredOn(l -> l.stream() == LogStream.STDOUT).extracting(PodmanRuntimeTest::text)
        .containsExactly("hello world from /tmp on greeter");
    assertThat(lines).filteredOn(l -> l.stream() == LogStream.STDERR).extracting(PodmanRuntimeTest::text)
        .containsExactly("oops");
    assertThat(lines).allMatch(l -> !l.partial());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(events).filteredOn(e -> e.containerId().equals(id)).extracting(ContainerEvent::type)
            .contains(ContainerEvent.Type.STOPPED));
    assertThat(events).filteredOn(e -> e.containerId().equals(id)).allSatisfy(e -> {
      assertThat(e.sandboxId()).isEqualTo(sandbox.id());
      assertThat(e.labels()).isEqualTo(Map.of("app", "greeter"));
    });
    subscription.close();

    runtime.removePodSandbox(sandbox.id());
    assertThat(runtime.listPodSandboxes(Map.of("app", "greeter"))).isEmpty();
    assertThat(runtime.listContainers(Map.of("app", "greeter"))).isEmpty();
    runtime.removePodSandbox(sandbox.id());
    assertThatThrownBy(() -> runtime.podSandboxStatus(sandbox.id())).isInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(sandbox.id());
    assertThatThrownBy(() -> runtime.containerStatus(id)).isInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(id);
  }

  @Test
  void stopsARunningContainerWithinItsGraceAndExecsInIt() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("sleeper"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap 'echo bye; exit 0' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    assertThat(runtime.containerStatus(id).state()).isEqualTo(ContainerState.RUNNING);

    ExecResult exec = runtime.execSync(id, List.of("sh", "-c", "echo $GREETING from $(pwd); echo err >&2; exit 4"),
        Duration.ofSeconds(10));
    assertThat(exec.exitCode()).isEqualTo(4);
    assertThat(new String(exec.stdout(), StandardCharsets.UTF_8)).isEqualTo("world from /tmp\n");
    assertThat(new String(exec.stderr(), StandardCharsets.UTF_8)).isEqualTo("err\n");

    long started = System.nanoTime();
    ExecResult slow = runtime.execSync(id, List.of("sh", "-c", "echo started; sleep 30"), Duration.ofSeconds(1));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    assertThat(slow.exitCode()).isEqualTo(ExecResult.TIMED_OUT);
    assertThat(new String(slow.stdout(), StandardCharsets.UTF_8)).isEqualTo("started\n");

    runtime.stopContainer(id, Duration.ofSeconds(10));
    RuntimeContainer stopped = runtime.containerStatus(id);
    assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
    assertThat(stopped.exitCode()).isZero();
    assertThat(stopped.reason()).isEqualTo(RuntimeContainer.REASON_COMPLETED);
    runtime.stopContainer(id, Duration.ZERO);
    assertThatThrownBy(() -> runtime.execSync(id, List.of("true"), Duration.ofSeconds(5)))
        .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining(id);

    runtime.removeContainer(id);
    runtime.removeContainer(id);
    runtime.stopContainer(id, Duration.ZERO);
    assertThat(runtime.listContainers(Map.of("app", "sleeper"))).isEmpty();
    runtime.stopPodSandbox(sandbox.id());
    assertThat(runtime.podSandboxStatus(sandbox.id()).ready()).isFalse();
    runtime.stopPodSandbox(sandbox.id());
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void finishedExecSessionsAreCleanedUpSoonNotAfterFiveMinutes() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("probed"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    for (int i = 0; i < 3; i++) {
      assertThat(runtime.execSync(id, List.of("true"), Duration.ofSeconds(10)).exitCode()).isZero();
    }
    try (PodmanClient client = new PodmanClient(fixture.service().socket())) {
      assertThat(client.get("container", "/containers/" + id + "/json").path("ExecIDs")).hasSize(3);
      await().atMost(Duration.ofSeconds(PodmanServiceConfig.EXEC_CLEANUP_DELAY_SECONDS + 20)).untilAsserted(() ->
          assertThat(client.get("container", "/containers/" + id + "/json").path("ExecIDs")).isEmpty());
    }
    runtime.stopContainer(id, Duration.ofSeconds(5));
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void aContainerIgnoringSigtermIsKilledWhenItsGraceRunsOut() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("stubborn"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap '' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    long started = System.nanoTime();
    runtime.stopContainer(id, Duration.ofSeconds(2));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(20));
    RuntimeContainer stopped = runtime.containerStatus(id);
    assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
    assertThat(stopped.exitCode()).isEqualTo(137);
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
  void theHostReachesAnHttpServerAtThePodIpAndABoundVolumeIsSeen() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volumes").resolve(UUID.randomUUID().toString()));
    Files.writeString(volume.resolve("greeting"), "hello from the host");
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("web"));
    ContainerConfig base = container(sandbox, "httpd", List.of("sh", "-c",
        "echo hello from $HOSTNAME > /var/www/index.html && cat /data/greeting >> /var/www/index.html"
            + " && exec httpd -f -p 8080 -h /var/www"), ContainerResources.NONE);
    ContainerConfig withVolume = new ContainerConfig(base.name(), base.attempt(), base.image(), base.command(),
        base.args(), base.workingDir(), base.env(), base.logPath(), base.labels(), base.annotations(),
        base.pullPolicy(), base.resources(), List.of(new Mount(volume, "/data", true)));
    String id = runtime.createContainer(sandbox.id(), withVolume);
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
    assertThat(bodies).last().isEqualTo("hello from web\nhello from the host");
    ExecResult write = runtime.execSync(id, List.of("sh", "-c", "echo x > /data/new"), Duration.ofSeconds(10));
    assertThat(write.exitCode()).as("read-only volume").isNotZero();

    // httpd as PID 1 ignores SIGTERM: no grace, straight to SIGKILL.
    runtime.stopContainer(id, Duration.ZERO);
    assertThat(runtime.containerStatus(id).exitCode()).isEqualTo(137);
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void aHostNetworkPodSharesTheNodesNetworkAndReportsItsIp() throws Exception {
    PodSandboxConfig base = sandboxConfig("hostnet");
    PodSandbox sandbox = runtime.runPodSandbox(new PodSandboxConfig(base.name(), base.namespace(), base.uid(), 0,
        base.hostname(), base.logDirectory(), true, base.labels(), base.annotations()));
    assertThat(sandbox.ip()).isEqualTo("127.0.0.1");
    assertThat(sandbox.config().hostNetwork()).isTrue();
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    ExecResult links = runtime.execSync(id, List.of("ls", "/sys/class/net"), Duration.ofSeconds(10));
    assertThat(new String(links.stdout(), StandardCharsets.UTF_8)).as("sees the host's interfaces")
        .contains(java.net.NetworkInterface.getByInetAddress(java.net.InetAddress.getByName(nodeAddress())).getName());
    runtime.removePodSandbox(sandbox.id());
  }

  @Test
  void aPublishedPortReachesThePodThroughTheNodesAddress() throws Exception {
    String nodeIp = nodeAddress();
    int hostPort = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(10000);
    PodSandboxConfig base = sandboxConfig("published");
    PodSandbox sandbox = runtime.runPodSandbox(new PodSandboxConfig(base.name(), base.namespace(), base.uid(), 0,
        base.hostname(), base.logDirectory(), false, base.labels(), base.annotations(),
        List.of(new dev.capstan.agent.runtime.PortMapping("TCP", 8080, hostPort, ""))));
    assertThat(runtime.podSandboxStatus(sandbox.id()).config().portMappings()).singleElement()
        .satisfies(p -> assertThat(p.hostPort()).isEqualTo(hostPort));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "httpd", List.of("sh", "-c",
        "echo published > /var/www/index.html && exec httpd -f -p 8080 -h /var/www"), ContainerResources.NONE));
    runtime.startContainer(id);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + nodeIp + ":" + hostPort + "/index.html"))
        .timeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> response = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
    assertThat(response.body()).isEqualTo("published\n");
    runtime.stopContainer(id, Duration.ZERO);
    runtime.removePodSandbox(sandbox.id());
  }

  /** A non-loopback IPv4 address of this machine: portmap's DNAT does not apply to 127.0.0.1. */
  private static String nodeAddress() throws Exception {
    for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback() || nic.getName().startsWith("cap") || nic.getName().startsWith("veth")) {
        continue;
      }
      for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
        if (a instanceof java.net.Inet4Address) {
          return a.getHostAddress();
        }
      }
    }
    throw new AssertionError("no non-loopback IPv4 address on this machine");
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
  void unknownIdsAreNotFoundExceptForStopAndRemove() {
    String unknown = "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef";
    assertThatThrownBy(() -> runtime.podSandboxStatus(unknown)).isInstanceOf(ContainerNotFoundException.class);
    assertThatThrownBy(() -> runtime.containerStatus(unknown)).isInstanceOf(ContainerNotFoundException.class);
    assertThatThrownBy(() -> runtime.startContainer(unknown)).isInstanceOf(ContainerNotFoundException.class);
    assertThatThrownBy(() -> runtime.execSync(unknown, List.of("true"), Duration.ofSeconds(1)))
        .isInstanceOf(ContainerNotFoundException.class);
    assertThatThrownBy(() -> runtime.createContainer(unknown, new ContainerConfig("c", 0, BUSYBOX, List.of("true"),
        List.of(), "", List.of(), Path.of("c/0.log"), Map.of(), Map.of()))).isInstanceOf(ContainerNotFoundException.class);
    runtime.stopContainer(unknown, Duration.ZERO);
    runtime.removeContainer(unknown);
    runtime.stopPodSandbox(unknown);
    runtime.removePodSandbox(unknown);
  }

  @Test
  void aNewRuntimeInstanceFindsRunningPodsAfterTheOldOneAndTheServiceAreGone() throws Exception {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("survivor"));
    String id = runtime.createContainer(sandbox.id(), container(sandbox, "main", List.of("sh", "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.2; done"), ContainerResources.NONE));
    runtime.startContainer(id);
    PodmanService service = fixture.service();
    int before = service.restarts();
    ProcessHandle daemon = service.process().orElseThrow();

    daemon.destroyForcibly();

    await().atMost(Duration.ofSeconds(30)).until(() -> service.restarts() > before && service.answers());
    try (PodmanRuntime adopter = fixture.newRuntime()) {
      List<PodSandbox> found = adopter.listPodSandboxes(Map.of("app", "survivor"));
      assertThat(found).singleElement().satisfies(s -> {
        assertThat(s.id()).isEqualTo(sandbox.id());
        assertThat(s.ready()).isTrue();
        assertThat(s.ip()).isEqualTo(sandbox.ip());
        assertThat(s.config()).isEqualTo(sandbox.config());
      });
      assertThat(adopter.listContainers(Map.of("app", "survivor"))).singleElement().satisfies(c -> {
        assertThat(c.id()).isEqualTo(id);
        assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(c.name()).isEqualTo("main");
      });
      adopter.stopContainer(id, Duration.ofSeconds(5));
      assertThat(adopter.containerStatus(id).exitCode()).isZero();
      adopter.removePodSandbox(sandbox.id());
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
        sandbox.labels(), Map.of("a", "b"), ImagePullPolicy.IF_NOT_PRESENT, resources);
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

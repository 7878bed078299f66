package dev.capstan.agent.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.CriLogLine;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is the process runtime's own: the injected clock, its sessions and orphans, the sandbox
 * directory. What every runtime must do is in {@code ProcessRuntimeConformanceTest}.
 */
class ProcessRuntimeTest {
  private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456789Z");

  @TempDir Path dir;
  private ProcessRuntime runtime;
  private PodSandbox sandbox;
  private final List<ContainerEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    runtime = new ProcessRuntime(dir.resolve("state"), "10.1.2.3", Clock.fixed(NOW, ZoneOffset.UTC));
    runtime.subscribe(events::add);
    sandbox = runtime.runPodSandbox(new PodSandboxConfig("web", "default", "uid-1", 0, "web",
        dir.resolve("logs"), true, Map.of("pod", "web"), Map.of()));
  }

  @AfterEach
  void tearDown() {
    runtime.close();
  }

  @Test
  void reportsItsVersionAndTheNodeIpAsEveryPodsIp() {
    assertThat(runtime.version().nodeInfoVersion()).isEqualTo("process://1.0");
    assertThat(sandbox.ip()).isEqualTo("10.1.2.3");
  }

  @Test
  void everyTimestampComesFromTheClockAndEveryEventIsPushedInOrder() throws IOException {
    String id = start("greeter", 0, "sh", "-c", "echo hello; echo oops >&2");
    RuntimeContainer exited = awaitExit(id);

    assertThat(exited.createdAt()).isEqualTo(NOW);
    assertThat(exited.startedAt()).isEqualTo(NOW);
    assertThat(exited.finishedAt()).isEqualTo(NOW);
    assertThat(Files.readAllLines(exited.logPath())).containsExactlyInAnyOrder(
        "2030-01-02T03:04:05.123456789Z stdout F hello", "2030-01-02T03:04:05.123456789Z stderr F oops");
    // No relisting here: CREATED is pushed too, not folded into STARTED.
    assertThat(events).filteredOn(e -> e.containerId().equals(id)).extracting(ContainerEvent::type)
        .containsExactly(ContainerEvent.Type.CREATED, ContainerEvent.Type.STARTED, ContainerEvent.Type.STOPPED);
    assertThat(events).allSatisfy(e -> assertThat(e.at()).isEqualTo(NOW));
  }

  @Test
  void runsInTheSandboxDirectoryByDefaultWithNothingOfTheAgentsEnvironmentButPath() throws IOException {
    ContainerConfig config = new ContainerConfig("env", 0, "ignored:latest", List.of("sh", "-c"),
        List.of("echo \"$GREETING $HOSTNAME $(pwd)\"; echo \"home=$HOME\""), "",
        List.of(new ContainerConfig.EnvVar("GREETING", "hi")), Path.of("env/0.log"), Map.of(), Map.of());
    String id = runtime.createContainer(sandbox.id(), config);
    runtime.startContainer(id);
    RuntimeContainer exited = awaitExit(id);
    List<String> messages = messages(exited.logPath());
    assertThat(messages.get(0)).startsWith("hi web ").endsWith("/sandboxes/" + sandbox.id());
    // Nothing of the agent's own environment leaks in besides PATH.
    assertThat(messages.get(1)).isEqualTo("home=");
  }

  @Test
  void aProcessIgnoringSigtermIsKilledAfterTheGracePeriodWithItsChildren() throws IOException {
    String id = start("stubborn", 0, "sh", "-c", "trap '' TERM; sleep 60 & echo $!; wait");
    awaitRunning(id);
    long child = awaitFirstLogLine(id);
    runtime.stopContainer(id, Duration.ofMillis(200));
    assertThat(runtime.containerStatus(id).exitCode()).isEqualTo(128 + 9);
    await().until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void whatTheMainProcessLeavesBehindDiesWithIt() throws IOException {
    String id = start("daemonizer", 0, "sh", "-c", "sleep 60 & echo $!");
    RuntimeContainer exited = awaitExit(id);
    assertThat(exited.exitCode()).isZero();
    long orphan = Long.parseLong(messages(exited.logPath()).get(0));
    await().until(() -> ProcessHandle.of(orphan).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void theProcessLeadsItsOwnSession() {
    String id = start("leader", 0, "sleep", "60");
    ProcessHandle handle = awaitRunning(id);
    await().until(() -> ProcessSession.sessionOf(handle.pid()).orElse(-1) == handle.pid());
    runtime.stopContainer(id, Duration.ZERO);
  }

  @Test
  void aContainerNeedsACommandBecauseImagesAreIgnored() {
    ContainerConfig config = new ContainerConfig("nocmd", 0, "nginx", List.of(), List.of(), "", List.of(),
        Path.of("nocmd/0.log"), Map.of(), Map.of());
    assertThatThrownBy(() -> runtime.createContainer(sandbox.id(), config))
        .hasMessageContaining("container \"nocmd\" of pod default/web: command is required");
  }

  @Test
  void removingTheSandboxKillsItsProcessesAndDeletesItsDirectory() {
    String id = start("server", 0, "sleep", "60");
    ProcessHandle process = awaitRunning(id);
    Path sandboxDir = dir.resolve("state/sandboxes").resolve(sandbox.id());
    assertThat(sandboxDir).isDirectory();

    runtime.removePodSandbox(sandbox.id());

    assertThat(process.isAlive()).isFalse();
    assertThat(sandboxDir).doesNotExist();
  }

  @Test
  void closeKillsEveryRunningContainer() {
    ProcessHandle p = awaitRunning(start("x", 0, "sleep", "60"));
    runtime.close();
    assertThat(p.isAlive()).isFalse();
  }

  private ContainerConfig config(String name, int attempt, String... argv) {
    return new ContainerConfig(name, attempt, "", List.of(argv[0]), List.of(argv).subList(1, argv.length), "",
        List.of(), Path.of(name, attempt + ".log"), Map.of("container", name), Map.of());
  }

  private String start(String name, int attempt, String... argv) {
    String id = runtime.createContainer(sandbox.id(), config(name, attempt, argv));
    runtime.startContainer(id);
    return id;
  }

  private RuntimeContainer awaitExit(String id) {
    await().until(() -> runtime.containerStatus(id).state() == ContainerState.EXITED);
    return runtime.containerStatus(id);
  }

  private ProcessHandle awaitRunning(String id) {
    assertThat(runtime.containerStatus(id).state()).isEqualTo(ContainerState.RUNNING);
    return runtime.processHandle(id).orElseThrow();
  }

  private long awaitFirstLogLine(String id) throws IOException {
    Path log = runtime.containerStatus(id).logPath();
    await().until(() -> Files.exists(log) && !Files.readAllLines(log).isEmpty());
    return Long.parseLong(messages(log).get(0));
  }

  private static List<CriLogLine> records(Path log) throws IOException {
    List<CriLogLine> out = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
      byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
      out.add(CriLogLine.parse(b, 0, b.length));
    }
    return out;
  }

  private static List<String> messages(Path log) throws IOException {
    return records(log).stream().map(r -> new String(r.message(), StandardCharsets.UTF_8)).toList();
  }
}

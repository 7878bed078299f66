package dev.capstan.agent.runtime.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerRuntime;
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
import dev.capstan.agent.runtime.SandboxState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@link ContainerRuntime} contract as tests, run against every runtime by a small subclass
 * that starts the runtime's backend once per class and says how to run a busybox shell script on
 * it (busybox in an image inside containers, the host's {@code /bin/busybox} for host processes).
 * A new runtime joins by one subclass implementing the abstract methods below.
 *
 * <p>The tests follow the runtime's {@link ContainerRuntime#features()}: where a runtime does not
 * declare a feature, the test asserts what the contract says happens instead (no {@code POD_IP}:
 * every sandbox reports the node's IP and a pod's port is reached there; no {@code MOUNTS}:
 * a container with mounts is refused; and so on), so no test passes by doing nothing.
 *
 * <p>Every sandbox a test creates carries this class's run label and is removed after the test.
 * Grace periods are short (one second), so that the whole suite stays quick on a real runtime.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ContainerRuntimeConformance {
  private static final String SUITE_LABEL = "conformance.capstan.dev/run";
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration GRACE = Duration.ofSeconds(1);
  /** Clock skew allowed between this JVM and a runtime that stamps times itself. */
  private static final Duration SKEW = Duration.ofMillis(500);

  private final String run = UUID.randomUUID().toString();
  private Path scratch;
  /** The runtime instance most tests use, from {@link #start()}. */
  protected ContainerRuntime runtime;

  // ---- what a subclass provides

  /** Starts the runtime's backend (a containerd, a state directory, ...) and returns a runtime on it. */
  protected abstract ContainerRuntime start() throws Exception;

  /**
   * Another runtime instance over the same backend, as an agent restarted on the same node
   * creates; the caller closes it.
   */
  protected abstract ContainerRuntime reopen() throws Exception;

  /** Closes {@link #runtime} and stops the backend; called once after the class, even if start failed midway. */
  protected abstract void stop() throws Exception;

  /** The node IP the runtime was given. */
  protected abstract String nodeIp();

  /** The image every container is created from: a busybox the runtime has, or "" without {@code IMAGES}. */
  protected abstract String image();

  /** The argv that runs {@code script} with busybox {@code sh -c} in a container of this runtime. */
  protected abstract List<String> shell(String script);

  /** The features the runtime is documented to declare (docs/architecture.md). */
  protected abstract Set<RuntimeFeature> declaredFeatures();

  // ---- lifecycle

  @BeforeAll
  void startRuntime() throws Exception {
    scratch = Files.createTempDirectory("rtconf");
    runtime = start();
  }

  @AfterAll
  void stopRuntime() throws Exception {
    try {
      stop();
    } finally {
      deleteRecursively(scratch);
    }
  }

  @AfterEach
  void removeSandboxes() {
    for (PodSandbox s : runtime.listPodSandboxes(Map.of(SUITE_LABEL, run))) {
      runtime.removePodSandbox(s.id());
    }
  }

  // ---- identity

  @Test
  void reportsAVersionAndTheFeaturesItIsDocumentedToHave() {
    assertThat(runtime.version().runtimeName()).isNotEmpty();
    assertThat(runtime.version().runtimeVersion()).isNotEmpty();
    assertThat(runtime.features()).containsExactlyInAnyOrderElementsOf(declaredFeatures());
  }

  // ---- sandboxes

  @Test
  void aSandboxRunsReadyAndReportsTheConfigItWasCreatedFrom() {
    Instant before = Instant.now();
    PodSandboxConfig config = sandboxConfig("alpha");
    PodSandbox sandbox = runtime.runPodSandbox(config);

    assertThat(sandbox.state()).isEqualTo(SandboxState.READY);
    assertThat(sandbox.id()).isNotEmpty();
    assertThat(sandbox.ip()).isNotEmpty();
    assertThat(sandbox.createdAt()).isBetween(before.minus(SKEW), Instant.now().plus(SKEW));
    PodSandbox status = runtime.podSandboxStatus(sandbox.id());
    assertThat(status.id()).isEqualTo(sandbox.id());
    assertThat(status.state()).isEqualTo(SandboxState.READY);
    assertThat(status.ip()).isEqualTo(sandbox.ip());
    assertThat(status.config()).isEqualTo(config);
    assertThat(config.logDirectory()).isDirectory();
  }

  @Test
  void sandboxesAreListedByLabels() {
    PodSandbox a = runtime.runPodSandbox(sandboxConfig("list-a"));
    PodSandbox b = runtime.runPodSandbox(sandboxConfig("list-b"));

    assertThat(runtime.listPodSandboxes(Map.of(SUITE_LABEL, run, "pod", "list-b")))
        .extracting(PodSandbox::id).containsExactly(b.id());
    assertThat(runtime.listPodSandboxes(Map.of(SUITE_LABEL, run))).extracting(PodSandbox::id)
        .containsExactly(a.id(), b.id());
    assertThat(runtime.listPodSandboxes(Map.of())).extracting(PodSandbox::id).contains(a.id(), b.id());
    assertThat(runtime.listPodSandboxes(Map.of(SUITE_LABEL, run, "pod", "nobody"))).isEmpty();
  }

  @Test
  void stoppingASandboxKillsItsContainersAndBothStopAndRemoveAreIdempotent() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("stopper"));
    String id = startLooping(sandbox, "stubborn", "");

    runtime.stopPodSandbox(sandbox.id());

    assertThat(runtime.podSandboxStatus(sandbox.id()).state()).isEqualTo(SandboxState.NOT_READY);
    RuntimeContainer killed = runtime.containerStatus(id);
    assertThat(killed.state()).isEqualTo(ContainerState.EXITED);
    assertThat(killed.exitCode()).isEqualTo(128 + 9);
    runtime.stopPodSandbox(sandbox.id());

    runtime.removePodSandbox(sandbox.id());
    assertThat(runtime.listPodSandboxes(Map.of(SUITE_LABEL, run))).isEmpty();
    assertThat(runtime.listContainers(Map.of(SUITE_LABEL, run))).isEmpty();
    assertThatThrownBy(() -> runtime.podSandboxStatus(sandbox.id())).isInstanceOf(ContainerNotFoundException.class);
    assertThatThrownBy(() -> runtime.containerStatus(id)).isInstanceOf(ContainerNotFoundException.class);
    runtime.removePodSandbox(sandbox.id());
    runtime.stopPodSandbox(sandbox.id());
  }

  @Test
  void removingASandboxKillsAndRemovesItsRunningContainers() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("remover"));
    String id = startLooping(sandbox, "runner", "");

    runtime.removePodSandbox(sandbox.id());

    assertThatThrownBy(() -> runtime.containerStatus(id)).isInstanceOf(ContainerNotFoundException.class);
    assertThat(runtime.listContainers(Map.of(SUITE_LABEL, run))).isEmpty();
  }

  @Test
  void unknownIdsAreNotFoundExceptForStopAndRemove() {
    String unknown = HexFormat.of().formatHex(randomBytes(32));

    assertThatThrownBy(() -> runtime.podSandboxStatus(unknown)).isInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(unknown);
    assertThatThrownBy(() -> runtime.containerStatus(unknown)).isInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(unknown);
    assertThatThrownBy(() -> runtime.startContainer(unknown)).isInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(unknown);
    assertThatThrownBy(() -> runtime.execSync(unknown, List.of("true"), Duration.ofSeconds(5)))
        .isInstanceOf(ContainerNotFoundException.class).hasMessageContaining(unknown);
    runtime.stopContainer(unknown, Duration.ZERO);
    runtime.removeContainer(unknown);
    runtime.stopPodSandbox(unknown);
    runtime.removePodSandbox(unknown);
  }

  @Test
  void creatingAContainerInAMissingSandboxFailsNamingTheSandbox() {
    String unknown = HexFormat.of().formatHex(randomBytes(32));
    assertThatThrownBy(() -> runtime.createContainer(unknown, containerConfig("orphan", shell("true"))))
        .isInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(unknown);
  }

  @Test
  void creatingAContainerInAStoppedSandboxFails() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("stopped"));
    runtime.stopPodSandbox(sandbox.id());
    assertThatThrownBy(() -> runtime.createContainer(sandbox.id(), containerConfig("late", shell("true"))))
        .isInstanceOf(ContainerRuntimeException.class)
        .hasMessageContaining("late");
  }

  // ---- containers: create, start, status

  @Test
  void aContainerRunsItsCommandWithArgsEnvironmentAndWorkingDirectory() throws IOException {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("envy"));
    List<String> argv = shell("echo \"$0 $1|$GREETING|$HOSTNAME|$(pwd)\"");
    ContainerConfig config = new ContainerConfig("envy", 0, image(), argv, List.of("first", "second"), "/tmp",
        List.of(new ContainerConfig.EnvVar("GREETING", "hello world")), Path.of("envy", "0.log"),
        labels(sandbox, "envy"), Map.of("note", "kept"), pullPolicy(), ContainerResources.NONE);
    String id = runtime.createContainer(sandbox.id(), config);
    runtime.startContainer(id);

    RuntimeContainer exited = awaitExit(id);
    assertThat(messages(exited.logPath(), LogStream.STDOUT))
        .containsExactly("first second|hello world|" + sandbox.config().hostname() + "|/tmp");
    assertThat(exited.sandboxId()).isEqualTo(sandbox.id());
    assertThat(exited.name()).isEqualTo("envy");
    assertThat(exited.attempt()).isZero();
    assertThat(exited.labels()).isEqualTo(config.labels());
    assertThat(exited.config().annotations()).isEqualTo(config.annotations());
    assertThat(exited.config().logPath()).isEqualTo(config.logPath());
    assertThat(exited.logPath()).isEqualTo(sandbox.config().logDirectory().resolve("envy/0.log"));
  }

  @Test
  void statusReportsStatesExitCodesReasonsAndTimestamps() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("states"));
    Instant before = Instant.now();
    String ok = runtime.createContainer(sandbox.id(), containerConfig("ok", shell("exit 0")));
    String failing = runtime.createContainer(sandbox.id(), containerConfig("failing", shell("exit 3")));

    RuntimeContainer created = runtime.containerStatus(ok);
    assertThat(created.state()).isEqualTo(ContainerState.CREATED);
    assertThat(created.createdAt()).isBetween(before.minus(SKEW), Instant.now().plus(SKEW));
    assertThat(created.startedAt()).isNull();
    assertThat(created.finishedAt()).isNull();

    runtime.startContainer(ok);
    runtime.startContainer(failing);
    RuntimeContainer completed = awaitExit(ok);
    RuntimeContainer failed = awaitExit(failing);
    Instant after = Instant.now();

    assertThat(completed.exitCode()).isZero();
    assertThat(completed.reason()).isEqualTo(RuntimeContainer.REASON_COMPLETED);
    assertThat(failed.exitCode()).isEqualTo(3);
    assertThat(failed.reason()).isEqualTo(RuntimeContainer.REASON_ERROR);
    for (RuntimeContainer c : List.of(completed, failed)) {
      assertThat(c.startedAt()).isBetween(c.createdAt().minus(SKEW), after.plus(SKEW));
      // containerd stamps start and exit from different events: an instant exit may be stamped a
      // few milliseconds before the start.
      assertThat(c.finishedAt()).isBetween(c.startedAt().minus(SKEW), after.plus(SKEW));
    }
  }

  @Test
  void anExecutableThatDoesNotExistIsAStartError() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("missing"));
    ContainerConfig config = new ContainerConfig("missing", 0, image(), List.of("no-such-command-xyz"), List.of(),
        "", List.of(), Path.of("missing", "0.log"), labels(sandbox, "missing"), Map.of(), pullPolicy(),
        ContainerResources.NONE);
    String id = runtime.createContainer(sandbox.id(), config);

    assertThatThrownBy(() -> runtime.startContainer(id)).isInstanceOf(ContainerRuntimeException.class)
        .hasMessageContaining("no-such-command-xyz");
    RuntimeContainer status = runtime.containerStatus(id);
    assertThat(status.state()).isEqualTo(ContainerState.EXITED);
    assertThat(status.exitCode()).isEqualTo(128);
    assertThat(status.reason()).isEqualTo(RuntimeContainer.REASON_START_ERROR);
  }

  @Test
  void startingAContainerThatIsNotCreatedFails() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("twice"));
    String id = start(sandbox, "twice", "exit 0");
    awaitExit(id);
    assertThatThrownBy(() -> runtime.startContainer(id)).isInstanceOf(ContainerRuntimeException.class)
        .isNotInstanceOf(ContainerNotFoundException.class)
        .hasMessageContaining(id);
  }

  @Test
  void containersAreListedByLabelsAndRemovedIdempotently() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("many"));
    String a = runtime.createContainer(sandbox.id(), containerConfig("a", shell("true"), labels(sandbox, "a")));
    String b = runtime.createContainer(sandbox.id(), containerConfig("b", shell("true"), labels(sandbox, "b")));

    assertThat(runtime.listContainers(Map.of(SUITE_LABEL, run, "container", "b")))
        .extracting(RuntimeContainer::id).containsExactly(b);
    assertThat(runtime.listContainers(Map.of(SUITE_LABEL, run))).extracting(RuntimeContainer::id)
        .containsExactly(a, b);
    assertThat(runtime.listContainers(Map.of())).extracting(RuntimeContainer::id).contains(a, b);

    runtime.removeContainer(a);
    runtime.removeContainer(a);
    assertThat(runtime.listContainers(Map.of(SUITE_LABEL, run))).extracting(RuntimeContainer::id).containsExactly(b);
    assertThatThrownBy(() -> runtime.containerStatus(a)).isInstanceOf(ContainerNotFoundException.class);
  }

  // ---- logs

  @Test
  void stdoutAndStderrGoToTheLogFileInCriFormat() throws IOException {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("logger"));
    Instant before = Instant.now();
    String id = start(sandbox, "logger", "echo hello; echo oops >&2; echo bye");
    RuntimeContainer exited = awaitExit(id);
    Instant after = Instant.now();

    List<CriLogLine> records = records(exited.logPath());
    assertThat(records).filteredOn(r -> r.stream() == LogStream.STDOUT).extracting(ContainerRuntimeConformance::text)
        .containsExactly("hello", "bye");
    assertThat(records).filteredOn(r -> r.stream() == LogStream.STDERR).extracting(ContainerRuntimeConformance::text)
        .containsExactly("oops");
    assertThat(records).allSatisfy(r -> {
      assertThat(r.partial()).isFalse();
      assertThat(r.timestamp()).isBetween(before.minus(SKEW), after.plus(SKEW));
    });
    // Every line of the file is one record: nothing else is in it. (Timestamps may end in "Z" or
    // "+00:00", both RFC 3339: containerd writes the one, Podman's conmon the other.)
    assertThat(Files.readAllLines(exited.logPath())).hasSize(records.size());
  }

  @Test
  void aLineLongerThan16KiBIsSplitIntoPartialRecordsAndAnUnterminatedOneStaysPartial() throws IOException {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("long"));
    String id = start(sandbox, "long", "head -c 20000 /dev/zero | tr '\\0' x; echo; printf tail");
    RuntimeContainer exited = awaitExit(id);

    List<CriLogLine> records = records(exited.logPath());
    // The long line comes as partial records then a full one; where it is cut is the runtime's
    // (containerd at 16 KiB, Podman's conmon at its 8 KiB buffer), never past 16 KiB.
    int full = 0;
    while (full < records.size() && records.get(full).partial()) {
      full++;
    }
    assertThat(full).as("partial records before the full one").isBetween(1, records.size() - 2);
    assertThat(records.subList(0, full + 1)).allSatisfy(r ->
        assertThat(r.message().length).isLessThanOrEqualTo(CriLogLine.MAX_RECORD_BYTES));
    assertThat(records.subList(0, full + 1).stream().map(ContainerRuntimeConformance::text).reduce("", String::concat))
        .isEqualTo("x".repeat(20000));
    // An unterminated last line is still written, as a partial record: the line never ended.
    assertThat(records.subList(full + 1, records.size())).allSatisfy(r -> assertThat(r.partial()).isTrue());
    assertThat(records.subList(full + 1, records.size()).stream().map(ContainerRuntimeConformance::text)
        .reduce("", String::concat)).isEqualTo("tail");
  }

  // ---- stop

  @Test
  void aContainerThatTrapsTermExitsWithItsOwnCodeWithinTheGracePeriod() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("trapper"));
    String id = startLooping(sandbox, "trapper", "exit 3");

    long t0 = System.nanoTime();
    runtime.stopContainer(id, Duration.ofSeconds(10));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

    RuntimeContainer stopped = runtime.containerStatus(id);
    assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
    assertThat(stopped.exitCode()).isEqualTo(3);
    assertThat(stopped.reason()).isEqualTo(RuntimeContainer.REASON_ERROR);
    runtime.stopContainer(id, GRACE);
  }

  @Test
  void aContainerThatIgnoresTermIsKilledAfterTheGracePeriod() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("stubborn"));
    String id = startLooping(sandbox, "stubborn", "");

    long t0 = System.nanoTime();
    runtime.stopContainer(id, GRACE);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(GRACE);

    RuntimeContainer killed = runtime.containerStatus(id);
    assertThat(killed.state()).isEqualTo(ContainerState.EXITED);
    assertThat(killed.exitCode()).isEqualTo(128 + 9);
    assertThat(killed.reason()).isEqualTo(RuntimeContainer.REASON_ERROR);
  }

  // ---- exec

  @Test
  void execRunsInTheContainerWithItsEnvironmentAndReportsOutputAndExitCode() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("execer"));
    String id = startLooping(sandbox, "execer", "exit 0");

    ExecResult result = runtime.execSync(id, shell("echo \"$GREETING in $(pwd)\"; echo oops >&2; exit 4"),
        Duration.ofSeconds(10));

    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("world in /tmp\n");
    assertThat(new String(result.stderr(), StandardCharsets.UTF_8)).isEqualTo("oops\n");
    assertThat(runtime.execSync(id, shell("true"), Duration.ZERO).exitCode()).isZero();
  }

  @Test
  void anExecPastItsTimeoutIsKilled() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("slowexec"));
    String id = startLooping(sandbox, "slowexec", "exit 0");

    long t0 = System.nanoTime();
    try {
      ExecResult result = runtime.execSync(id, shell("sleep 20"), Duration.ofSeconds(1));
      assertThat(result.exitCode()).isEqualTo(ExecResult.TIMED_OUT);
    } catch (ContainerRuntimeException e) {
      // The contract allows either ending; the exception must say what it was about.
      assertThat(e).isNotInstanceOf(ContainerNotFoundException.class).hasMessageContaining(id);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void execInAContainerThatIsNotRunningFails() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("noexec"));
    String created = runtime.createContainer(sandbox.id(), containerConfig("created", shell("true")));
    String exited = start(sandbox, "exited", "exit 0");
    awaitExit(exited);

    for (String id : List.of(created, exited)) {
      assertThatThrownBy(() -> runtime.execSync(id, shell("true"), Duration.ofSeconds(5)))
          .isInstanceOf(ContainerRuntimeException.class)
          .isNotInstanceOf(ContainerNotFoundException.class)
          .hasMessageContaining(id);
    }
  }

  // ---- features

  @Test
  void podIpsAreTheirOwnWithPodIpAndTheNodesWithout() throws Exception {
    PodSandbox a = runtime.runPodSandbox(sandboxConfig("ip-a"));
    PodSandbox b = runtime.runPodSandbox(sandboxConfig("ip-b"));
    if (runtime.features().contains(RuntimeFeature.POD_IP)) {
      assertThat(a.ip()).isNotEqualTo(b.ip()).isNotEqualTo(nodeIp());
      assertThat(b.ip()).isNotEqualTo(nodeIp());
    } else {
      assertThat(List.of(a.ip(), b.ip())).containsOnly(nodeIp());
    }

    // Either way, the host reaches a server in the pod at the pod's IP.
    int port = runtime.features().contains(RuntimeFeature.POD_IP) ? 8080 : freeLoopbackPort();
    String id = start(a, "httpd", "mkdir -p /tmp/www-$$ && echo hello from $HOSTNAME > /tmp/www-$$/index.html"
        + " && exec httpd -f -p " + a.ip() + ":" + port + " -h /tmp/www-$$");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + a.ip() + ":" + port + "/index.html"))
        .timeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> response = await().atMost(EXIT_TIMEOUT).ignoreExceptions()
        .until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
    assertThat(response.body()).isEqualTo("hello from ip-a\n");
    runtime.stopContainer(id, Duration.ZERO);
  }

  @Test
  void aHostNetworkSandboxReportsTheNodeIp() {
    PodSandboxConfig c = sandboxConfig("hostnet");
    PodSandbox sandbox = runtime.runPodSandbox(new PodSandboxConfig(c.name(), c.namespace(), c.uid(), 0, "",
        c.logDirectory(), true, c.labels(), c.annotations()));
    assertThat(sandbox.ip()).isEqualTo(nodeIp());
    assertThat(runtime.podSandboxStatus(sandbox.id()).config().hostNetwork()).isTrue();
  }

  @Test
  void containersSeeTheirOwnFilesystemWithIsolationAndTheHostsWithout() throws IOException {
    Path marker = Files.writeString(scratch.resolve("host-only-" + UUID.randomUUID()), "host");
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("isolated"));
    String id = start(sandbox, "looker", "test -e " + marker);
    RuntimeContainer exited = awaitExit(id);
    assertThat(exited.exitCode()).isEqualTo(runtime.features().contains(RuntimeFeature.ISOLATION) ? 1 : 0);
  }

  @Test
  void mountsAreBoundReadOnlyAndReadWriteWithMountsAndRefusedWithout() throws IOException {
    Path ro = Files.createDirectories(scratch.resolve("ro-" + UUID.randomUUID()));
    Path rw = Files.createDirectories(scratch.resolve("rw-" + UUID.randomUUID()));
    Files.writeString(ro.resolve("in.txt"), "from the host\n");
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("mounter"));
    ContainerConfig config = new ContainerConfig("mounter", 0, image(),
        shell("cat /mnt/ro/in.txt; echo written > /mnt/rw/out.txt;"
            + " if echo x > /mnt/ro/x 2>/dev/null; then echo ro-writable; else echo ro-refused; fi"),
        List.of(), "", List.of(), Path.of("mounter", "0.log"), labels(sandbox, "mounter"), Map.of(), pullPolicy(),
        ContainerResources.NONE, List.of(new Mount(ro, "/mnt/ro", true), new Mount(rw, "/mnt/rw", false)));

    if (!runtime.features().contains(RuntimeFeature.MOUNTS)) {
      assertThatThrownBy(() -> runtime.createContainer(sandbox.id(), config))
          .isInstanceOf(ContainerRuntimeException.class)
          .hasMessageContaining("mounter")
          .hasMessageContaining("/mnt/ro");
      return;
    }
    String id = runtime.createContainer(sandbox.id(), config);
    runtime.startContainer(id);
    RuntimeContainer exited = awaitExit(id);
    assertThat(messages(exited.logPath(), LogStream.STDOUT)).containsExactly("from the host", "ro-refused");
    assertThat(rw.resolve("out.txt")).hasContent("written");
    assertThat(ro.resolve("x")).doesNotExist();
  }

  @Test
  void aContainerOverItsMemoryLimitIsOomKilledWithResourceLimitsAndRunsOnWithout() throws IOException {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("hog"));
    String id = runtime.createContainer(sandbox.id(), containerConfig("hog",
        shell("x=$(head -c 64m /dev/zero | tr '\\0' a); echo survived"), labels(sandbox, "hog"),
        new ContainerResources(100, 1000, 32L << 20)));
    runtime.startContainer(id);
    RuntimeContainer exited = awaitExit(id);

    if (runtime.features().contains(RuntimeFeature.RESOURCE_LIMITS)) {
      assertThat(exited.reason()).isEqualTo(RuntimeContainer.REASON_OOM_KILLED);
      assertThat(exited.exitCode()).isEqualTo(128 + 9);
    } else {
      assertThat(exited.reason()).isEqualTo(RuntimeContainer.REASON_COMPLETED);
      assertThat(messages(exited.logPath(), LogStream.STDOUT)).containsExactly("survived");
    }
  }

  @Test
  void aMissingImageIsNotPulledUnderPolicyNeverWithImagesAndIgnoredWithout() {
    PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("imageless"));
    ContainerConfig config = new ContainerConfig("imageless", 0, "registry.invalid/not-here:1", shell("exit 0"),
        List.of(), "", List.of(), Path.of("imageless", "0.log"), labels(sandbox, "imageless"), Map.of(),
        ImagePullPolicy.NEVER, ContainerResources.NONE);

    if (runtime.features().contains(RuntimeFeature.IMAGES)) {
      assertThatThrownBy(() -> runtime.createContainer(sandbox.id(), config))
          .isInstanceOfSatisfying(ImagePullException.class,
              e -> assertThat(e.reason()).isEqualTo(ImagePullException.ERR_IMAGE_NEVER_PULL))
          .hasMessageContaining("registry.invalid/not-here:1");
    } else {
      String id = runtime.createContainer(sandbox.id(), config);
      runtime.startContainer(id);
      assertThat(awaitExit(id).reason()).isEqualTo(RuntimeContainer.REASON_COMPLETED);
    }
  }

  @Test
  void lifecycleEventsArePushedToSubscribersUntilTheyUnsubscribe() throws Exception {
    List<ContainerEvent> first = new CopyOnWriteArrayList<>();
    List<ContainerEvent> second = new CopyOnWriteArrayList<>();
    AutoCloseable firstSubscription = runtime.subscribe(first::add);
    AutoCloseable secondSubscription = runtime.subscribe(second::add);
    try {
      PodSandbox sandbox = runtime.runPodSandbox(sandboxConfig("eventful"));
      if (!runtime.features().contains(RuntimeFeature.CONTAINER_EVENTS)) {
        return; // subscribing is allowed and harmless; nothing is promised to arrive
      }
      String id = startLooping(sandbox, "eventful", "exit 0");
      await().atMost(EXIT_TIMEOUT).until(() -> typesOf(first, id).contains(ContainerEvent.Type.STARTED));
      runtime.stopContainer(id, GRACE);
      await().atMost(EXIT_TIMEOUT).until(() -> typesOf(first, id).contains(ContainerEvent.Type.STOPPED));
      runtime.removeContainer(id);
      await().atMost(EXIT_TIMEOUT).until(() -> typesOf(first, id).contains(ContainerEvent.Type.DELETED));
      // CREATED may be folded into STARTED by a runtime that relists, but the order holds.
      assertThat(typesOf(first, id)).containsSubsequence(ContainerEvent.Type.STARTED, ContainerEvent.Type.STOPPED,
          ContainerEvent.Type.DELETED);
      ContainerEvent started = first.stream().filter(e -> e.containerId().equals(id)).findFirst().orElseThrow();
      assertThat(started.sandboxId()).isEqualTo(sandbox.id());
      assertThat(started.labels()).containsEntry("container", "eventful");

      firstSubscription.close();
      String later = start(sandbox, "later", "exit 0");
      awaitExit(later);
      // A relisting runtime (as kubelet's PLEG) never reports a container that came and went
      // between two relists: let it see this one before it goes.
      await().atMost(EXIT_TIMEOUT).until(() -> !typesOf(second, later).isEmpty());
      runtime.removeContainer(later);
      await().atMost(EXIT_TIMEOUT).until(() -> typesOf(second, later).contains(ContainerEvent.Type.DELETED));
      assertThat(typesOf(first, later)).isEmpty();
    } finally {
      firstSubscription.close();
      secondSubscription.close();
    }
  }

  @Test
  void aNewInstanceFindsRunningPodsWhenTheyOutliveTheAgentAndNoneOtherwise() throws Exception {
    boolean survives = runtime.features().contains(RuntimeFeature.SURVIVES_AGENT_RESTART);
    PodSandbox sandbox;
    RuntimeContainer running;
    try (ContainerRuntime before = reopen()) {
      sandbox = before.runPodSandbox(sandboxConfig("survivor"));
      String id = before.createContainer(sandbox.id(), containerConfig("survivor", shell(loop("exit 0")),
          labels(sandbox, "survivor")));
      before.startContainer(id);
      running = before.containerStatus(id);
      awaitReady(running);
      assertThat(running.state()).isEqualTo(ContainerState.RUNNING);
    }

    try (ContainerRuntime after = reopen()) {
      if (!survives) {
        assertThat(after.listPodSandboxes(Map.of(SUITE_LABEL, run))).isEmpty();
        assertThat(after.listContainers(Map.of(SUITE_LABEL, run))).isEmpty();
        assertThatThrownBy(() -> after.containerStatus(running.id())).isInstanceOf(ContainerNotFoundException.class);
        return;
      }
      assertThat(after.listPodSandboxes(Map.of(SUITE_LABEL, run))).singleElement().satisfies(s -> {
        assertThat(s.id()).isEqualTo(sandbox.id());
        assertThat(s.state()).isEqualTo(SandboxState.READY);
        assertThat(s.ip()).isEqualTo(sandbox.ip());
        assertThat(s.config()).isEqualTo(sandbox.config());
      });
      RuntimeContainer found = after.containerStatus(running.id());
      assertThat(found.state()).isEqualTo(ContainerState.RUNNING);
      assertThat(found.startedAt()).isEqualTo(running.startedAt());
      assertThat(found.sandboxId()).isEqualTo(sandbox.id());
      assertThat(found.labels()).isEqualTo(running.labels());
      assertThat(after.listContainers(Map.of(SUITE_LABEL, run))).extracting(RuntimeContainer::id)
          .containsExactly(running.id());
      after.stopContainer(running.id(), GRACE);
      assertThat(after.containerStatus(running.id()).exitCode()).isZero();
    }
  }

  // ---- helpers for subclasses and tests

  /** A sandbox config with this run's label, a unique uid and its own log directory. */
  protected PodSandboxConfig sandboxConfig(String name) {
    return new PodSandboxConfig(name, "conformance", UUID.randomUUID().toString(), 0, name,
        scratch.resolve("logs").resolve(name + "-" + UUID.randomUUID()), false,
        Map.of(SUITE_LABEL, run, "pod", name), Map.of("note", "kept"));
  }

  private ContainerConfig containerConfig(String name, List<String> argv) {
    return containerConfig(name, argv, Map.of(SUITE_LABEL, run, "container", name));
  }

  private ContainerConfig containerConfig(String name, List<String> argv, Map<String, String> labels) {
    return containerConfig(name, argv, labels, ContainerResources.NONE);
  }

  private ContainerConfig containerConfig(String name, List<String> argv, Map<String, String> labels,
      ContainerResources resources) {
    return new ContainerConfig(name, 0, image(), argv, List.of(), "/tmp",
        List.of(new ContainerConfig.EnvVar("GREETING", "world")), Path.of(name, "0.log"), labels, Map.of(),
        pullPolicy(), resources);
  }

  private ImagePullPolicy pullPolicy() {
    // The suite never pulls: the image is already there, or there are no images.
    return image().isEmpty() ? ImagePullPolicy.NEVER : ImagePullPolicy.IF_NOT_PRESENT;
  }

  private Map<String, String> labels(PodSandbox sandbox, String container) {
    return Map.of(SUITE_LABEL, run, "pod", sandbox.config().name(), "container", container);
  }

  private String start(PodSandbox sandbox, String name, String script) {
    String id = runtime.createContainer(sandbox.id(), containerConfig(name, shell(script), labels(sandbox, name)));
    runtime.startContainer(id);
    return id;
  }

  private RuntimeContainer awaitExit(String id) {
    return await().atMost(EXIT_TIMEOUT).until(() -> runtime.containerStatus(id),
        c -> c.state() == ContainerState.EXITED);
  }

  /**
   * Starts a container that loops until stopped, running {@code onTerm} on SIGTERM ("": ignoring
   * it), and returns once its trap is set.
   */
  private String startLooping(PodSandbox sandbox, String name, String onTerm) {
    String id = start(sandbox, name, loop(onTerm));
    RuntimeContainer running = runtime.containerStatus(id);
    assertThat(running.state()).isEqualTo(ContainerState.RUNNING);
    awaitReady(running);
    return id;
  }

  /** A script that sets a TERM trap with the given action, says "ready", and loops until stopped. */
  private static String loop(String onTerm) {
    return "trap '" + onTerm + "' TERM; echo ready; while true; do sleep 0.1; done";
  }

  /** Waits for a {@link #loop} container's "ready": a signal sent before its trap is set would kill it. */
  private static void awaitReady(RuntimeContainer c) {
    await().atMost(EXIT_TIMEOUT).until(() -> Files.exists(c.logPath())
        && messages(c.logPath(), LogStream.STDOUT).contains("ready"));
  }

  private static List<ContainerEvent.Type> typesOf(List<ContainerEvent> events, String containerId) {
    return events.stream().filter(e -> e.containerId().equals(containerId)).map(ContainerEvent::type).toList();
  }

  private static List<CriLogLine> records(Path log) throws IOException {
    byte[] bytes = Files.readAllBytes(log);
    List<CriLogLine> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        out.add(CriLogLine.parse(bytes, start, i - start));
        start = i + 1;
      }
    }
    assertThat(start).as("the log ends with a newline").isEqualTo(bytes.length);
    return out;
  }

  private static List<String> messages(Path log, LogStream stream) throws IOException {
    return records(log).stream().filter(r -> r.stream() == stream).map(ContainerRuntimeConformance::text).toList();
  }

  private static String text(CriLogLine line) {
    return new String(line.message(), StandardCharsets.UTF_8);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

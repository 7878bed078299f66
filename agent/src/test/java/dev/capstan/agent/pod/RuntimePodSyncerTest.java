package dev.capstan.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.agent.prober.ContainerProbes;
import dev.capstan.agent.prober.Prober;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ImagePullException;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.PortMapping;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.testing.FakeRuntime;
import dev.capstan.agent.testing.ManualProbeScheduler;
import dev.capstan.agent.testing.MutableClock;
import dev.capstan.agent.volume.PodVolumes;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapKeySelector;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ExecAction;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.EnvVar;
import dev.capstan.api.core.v1.EnvVarSource;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.SecretVolumeSource;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimePodSyncerTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final FakeRuntime runtime = new FakeRuntime(clock);
  private final ManualProbeScheduler probeScheduler = new ManualProbeScheduler();
  private final ContainerProbes probes = new ContainerProbes(new Prober(runtime), probeScheduler, uid -> { });
  private final RecordingStatusManager api = new RecordingStatusManager();
  private final Map<String, ConfigMap> configMaps = new ConcurrentHashMap<>();
  private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
  @TempDir
  static Path volumeRoot;
  /** Events as "type reason: message". */
  private final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final RuntimePodSyncer syncer = new RuntimePodSyncer(runtime, api,
      new ContainerEnvironment((ns, name) -> Optional.ofNullable(configMaps.get(name)),
          (ns, name) -> Optional.ofNullable(secrets.get(name))),
      new PodVolumes(volumeRoot, (ns, name) -> Optional.ofNullable(configMaps.get(name)),
          (ns, name) -> Optional.ofNullable(secrets.get(name)), false),
      new RestartBackOff(clock, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10)),
      clock, Path.of("/data/pods"), "192.168.0.1", Runnable::run, probes,
      (pod, type, reason, message) -> events.add(type + " " + reason + ": " + message), PodSyncMetrics.NONE);

  /** The volume root is shared by the tests (the syncer is built before instance fields are injected). */
  @AfterEach
  void removeVolumes() throws Exception {
    try (var walk = Files.walk(volumeRoot)) {
      walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(volumeRoot)).forEach(p -> p.toFile().delete());
    }
  }

  private static Pod pod(String restartPolicy, Container... containers) {
    PodSpec.Builder spec = PodSpec.newBuilder().setRestartPolicy(restartPolicy).setNodeName("n1");
    for (Container c : containers) {
      spec.addContainers(c);
    }
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default").setUid("uid-1"))
        .setSpec(spec).setStatus(PodStatus.newBuilder().setPhase("Pending")).build();
  }

  private static Container container(String name) {
    return Container.newBuilder().setName(name).setImage("busybox").addCommand("sleep").addArgs("3600").build();
  }

  /** Syncs the pod as the API now has it, as a worker would after seeing the last write. */
  private SyncResult sync(Pod pod) {
    return syncer.syncPod(api.current(pod));
  }

  private PodStatus status(Pod pod) {
    return api.statuses.get(pod.getMetadata().getUid());
  }

  @Test
  void startsTheSandboxAndContainersAndReportsRunning() {
    Pod pod = pod("Always", container("app"), container("sidecar"));
    SyncResult result = sync(pod);

    assertThat(result.wakeAt()).isNull();
    assertThat(runtime.sandboxes()).hasSize(1);
    assertThat(runtime.sandboxes().get(0).config().logDirectory()).isEqualTo(Path.of("/data/pods/uid-1"));
    assertThat(runtime.containers()).extracting(RuntimeContainer::name).containsExactly("app", "sidecar");
    assertThat(runtime.latest("app").config().logPath()).isEqualTo(Path.of("app/0.log"));
    assertThat(runtime.latest("app").labels()).containsEntry(RuntimeLabels.POD_UID, "uid-1")
        .containsEntry(RuntimeLabels.CONTAINER_NAME, "app");
    PodStatus s = status(pod);
    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(s.getPodIp()).isEqualTo("10.0.0.7");
    assertThat(s.getHostIp()).isEqualTo("192.168.0.1");
    assertThat(s.getContainerStatusesList()).allMatch(cs -> cs.getState().hasRunning() && cs.getReady());

    int writes = api.writes;
    clock.advance(Duration.ofSeconds(30));
    sync(pod);
    assertThat(api.writes).as("nothing changed, nothing written").isEqualTo(writes);
    assertThat(runtime.containers()).hasSize(2);
  }

  private static Probe execProbe(String marker, int failureThreshold) {
    return Probe.newBuilder().setExec(ExecAction.newBuilder().addCommand("test").addCommand("-e").addCommand(marker))
        .setPeriodSeconds(1).setFailureThreshold(failureThreshold).build();
  }

  /** Exec probes pass while the named marker "exists" in the fake runtime. */
  private void markers(java.util.Set<String> present) {
    runtime.onExec((id, command) -> new ExecResult(present.contains(command.get(2)) ? 0 : 1, new byte[0],
        "no such file".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void aFailingReadinessProbeKeepsThePodNotReadyWithoutRestartingIt() {
    java.util.Set<String> present = ConcurrentHashMap.newKeySet();
    markers(present);
    Pod pod = pod("Always", container("app").toBuilder().setReadinessProbe(execProbe("/ready", 1)).build());
    sync(pod);
    assertThat(probeScheduler.scheduled()).isEqualTo(1);
    ContainerStatus app = status(pod).getContainerStatuses(0);
    assertThat(app.getState().hasRunning()).isTrue();
    assertThat(app.getReady()).as("not ready until the probe first passes").isFalse();
    assertThat(condition(status(pod), "Ready")).isEqualTo("False");

    present.add("/ready");
    probeScheduler.runAll();
    sync(pod);
    assertThat(status(pod).getContainerStatuses(0).getReady()).isTrue();
    assertThat(condition(status(pod), "Ready")).isEqualTo("True");

    present.remove("/ready");
    probeScheduler.runAll();
    probeScheduler.runAll();
    sync(pod);
    assertThat(status(pod).getContainerStatuses(0).getReady()).isFalse();
    assertThat(condition(status(pod), "ContainersReady")).isEqualTo("False");
    assertThat(runtime.containers()).as("readiness never restarts").hasSize(1);
    assertThat(status(pod).getContainerStatuses(0).getRestartCount()).isZero();
  }

  @Test
  void aLivenessProbeFailingItsThresholdRestartsTheContainer() {
    java.util.Set<String> present = ConcurrentHashMap.newKeySet();
    present.add("/alive");
    markers(present);
    Pod pod = pod("Always", container("app").toBuilder().setLivenessProbe(execProbe("/alive", 2)).build());
    sync(pod);
    probeScheduler.runAll();
    sync(pod);
    assertThat(status(pod).getContainerStatuses(0).getReady()).as("no readiness probe: ready when running").isTrue();

    present.remove("/alive");
    probeScheduler.runAll();
    sync(pod);
    assertThat(runtime.latest("app").state()).as("one failure is below the threshold of 2")
        .isEqualTo(ContainerState.RUNNING);
    probeScheduler.runAll();
    SyncResult killed = sync(pod);
    assertThat(runtime.latest("app").state()).isEqualTo(ContainerState.EXITED);
    assertThat(killed.wakeAt()).isNotNull();

    // The restart goes through the usual back-off, then probes start afresh on the new attempt.
    clock.advance(Duration.ofSeconds(10));
    present.add("/alive");
    sync(pod);
    assertThat(runtime.latest("app").attempt()).isEqualTo(1);
    assertThat(runtime.latest("app").state()).isEqualTo(ContainerState.RUNNING);
    assertThat(status(pod).getContainerStatuses(0).getRestartCount()).isEqualTo(1);
    assertThat(probeScheduler.scheduled()).as("the old attempt's worker stopped").isEqualTo(1);
  }

  @Test
  void aStartupProbeHoldsBackReadinessAndLivenessUntilItPasses() {
    java.util.Set<String> present = ConcurrentHashMap.newKeySet();
    markers(present);
    Container app = container("app").toBuilder()
        .setStartupProbe(execProbe("/started", 5))
        .setLivenessProbe(execProbe("/alive", 1))
        .build();
    Pod pod = pod("Always", app);
    sync(pod);
    probeScheduler.runAll();
    sync(pod);
    ContainerStatus cs = status(pod).getContainerStatuses(0);
    assertThat(cs.getStarted()).isFalse();
    assertThat(cs.getReady()).isFalse();
    assertThat(runtime.latest("app").state()).as("liveness does not run before startup passes")
        .isEqualTo(ContainerState.RUNNING);

    present.add("/started");
    present.add("/alive");
    probeScheduler.runAll();
    sync(pod);
    cs = status(pod).getContainerStatuses(0);
    assertThat(cs.getStarted()).isTrue();
    assertThat(cs.getReady()).isTrue();
  }

  @Test
  void probesStopWhenThePodIsTornDown() {
    Pod pod = pod("Always", container("app").toBuilder().setReadinessProbe(execProbe("/ready", 1)).build());
    sync(pod);
    assertThat(probeScheduler.scheduled()).isEqualTo(1);
    syncer.terminatePod(api.current(pod), true);
    assertThat(probeScheduler.scheduled()).isZero();
  }

  private static String condition(PodStatus status, String type) {
    return status.getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow().getStatus();
  }

  private static Pod withInit(Pod pod, Container... inits) {
    Pod.Builder b = pod.toBuilder();
    for (Container c : inits) {
      b.getSpecBuilder().addInitContainers(c);
    }
    return b.build();
  }

  @Test
  void initContainersRunOneAtATimeBeforeTheAppContainers() {
    Pod pod = withInit(pod("Always", container("app")), container("migrate"), container("warm"));
    sync(pod);
    assertThat(runtime.containers()).extracting(RuntimeContainer::name).containsExactly("migrate");
    PodStatus s = status(pod);
    assertThat(s.getInitContainerStatuses(0).getState().hasRunning()).isTrue();
    assertThat(s.getInitContainerStatuses(0).getReady()).as("running is not completed").isFalse();
    assertThat(s.getPhase()).isEqualTo("Pending");
    assertThat(condition(s, "Initialized")).isEqualTo("False");
    assertThat(s.getConditionsList()).filteredOn(c -> c.getType().equals("Initialized"))
        .extracting(c -> c.getMessage()).containsExactly("containers with incomplete status: [migrate warm]");
    assertThat(s.getContainerStatuses(0).getState().getWaiting().getReason()).isEqualTo("PodInitializing");

    runtime.exit(runtime.latest("migrate").id(), 0);
    sync(pod);
    assertThat(runtime.containers()).extracting(RuntimeContainer::name).containsExactly("migrate", "warm");
    assertThat(status(pod).getInitContainerStatuses(0).getReady()).as("a completed init container is ready").isTrue();

    runtime.exit(runtime.latest("warm").id(), 0);
    sync(pod);
    s = status(pod);
    assertThat(runtime.latest("app").state()).isEqualTo(ContainerState.RUNNING);
    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(condition(s, "Initialized")).isEqualTo("True");
    assertThat(condition(s, "Ready")).isEqualTo("True");
    assertThat(s.getInitContainerStatusesList()).allMatch(cs -> cs.getState().getTerminated().getExitCode() == 0);

    sync(pod);
    assertThat(runtime.containers()).as("completed init containers never run again").hasSize(3);
  }

  @Test
  void aFailedInitContainerIsRetriedUnderBackOffWithRestartPolicyAlways() {
    Pod always = withInit(pod("Always", container("app")), container("migrate"));
    sync(always);
    runtime.exit(runtime.latest("migrate").id(), 3);
    sync(always);
    assertThat(runtime.latest("migrate").attempt()).as("the first retry is immediate").isEqualTo(1);
    runtime.exit(runtime.latest("migrate").id(), 3);
    sync(always);
    ContainerStatus migrate = status(always).getInitContainerStatuses(0);
    assertThat(migrate.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
    assertThat(status(always).getPhase()).isEqualTo("Pending");
    clock.advance(Duration.ofSeconds(10));
    sync(always);
    assertThat(runtime.latest("migrate").attempt()).isEqualTo(2);
    assertThat(runtime.containers()).extracting(RuntimeContainer::name).doesNotContain("app");
  }

  @Test
  void withRestartPolicyNeverAFailedInitContainerFailsThePod() {
    Pod never = withInit(pod("Never", container("app")), container("migrate"));
    sync(never);
    runtime.exit(runtime.latest("migrate").id(), 3);
    sync(never);
    assertThat(status(never).getPhase()).isEqualTo("Failed");
    assertThat(status(never).getInitContainerStatuses(0).getState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(runtime.containers()).extracting(RuntimeContainer::name).containsExactly("migrate");
  }

  @Test
  void passesResourcesPullPolicyAndHostPortsToTheRuntime() {
    Container app = container("app").toBuilder()
        .setImagePullPolicy("Never")
        .setResources(ResourceRequirements.newBuilder().putLimits("cpu", "500m").putLimits("memory", "64Mi")
            .putRequests("cpu", "250m"))
        .addPorts(ContainerPort.newBuilder().setContainerPort(80).setHostPort(8080))
        .addPorts(ContainerPort.newBuilder().setContainerPort(9090).setProtocol("UDP"))
        .build();
    Container sidecar = container("sidecar").toBuilder().setImage("busybox:1.36")
        .setResources(ResourceRequirements.newBuilder().putLimits("cpu", "1")).build();
    sync(pod("Always", app, sidecar));

    assertThat(runtime.latest("app").config().pullPolicy()).isEqualTo(ImagePullPolicy.NEVER);
    assertThat(runtime.latest("app").config().resources()).isEqualTo(new ContainerResources(250, 500, 64L << 20));
    assertThat(runtime.latest("sidecar").config().pullPolicy()).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
    assertThat(runtime.latest("sidecar").config().resources()).as("the request defaults to the limit")
        .isEqualTo(new ContainerResources(1000, 1000, 0));
    assertThat(runtime.sandboxes().get(0).config().portMappings()).as("only ports with a hostPort are published")
        .containsExactly(new PortMapping("TCP", 80, 8080, ""));
  }

  @Test
  void anImageThatCannotBePulledIsAWaitingErrImagePull() {
    runtime.failNextCreate = new ImagePullException(ImagePullException.ERR_IMAGE_PULL, "failed to pull image", null);
    Pod pod = pod("Always", container("app"));
    sync(pod);

    ContainerStatus app = status(pod).getContainerStatuses(0);
    assertThat(app.getState().getWaiting().getReason()).isEqualTo("ErrImagePull");
    assertThat(app.getState().getWaiting().getMessage()).isEqualTo("failed to pull image");
  }

  @Test
  void restartsAnExitedContainerAtOnceThenAfterADoublingBackOffAndCountsRestarts() {
    Pod pod = pod("Always", container("app"));
    sync(pod);
    clock.advance(Duration.ofSeconds(5));
    runtime.exit(runtime.latest("app").id(), 1);

    // The first restart is immediate, as the kubelet's.
    assertThat(sync(pod).wakeAt()).isNull();
    RuntimeContainer second = runtime.latest("app");
    assertThat(second.attempt()).isEqualTo(1);
    assertThat(second.state()).isEqualTo(ContainerState.RUNNING);
    assertThat(second.config().logPath()).isEqualTo(Path.of("app/1.log"));
    ContainerStatus cs = status(pod).getContainerStatuses(0);
    assertThat(cs.getRestartCount()).isEqualTo(1);
    assertThat(cs.getState().hasRunning()).isTrue();
    assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(1));
    runtime.exit(second.id(), 2);
    SyncResult waiting = sync(pod);
    assertThat(waiting.wakeAt()).isEqualTo(T0.plusSeconds(16));
    cs = status(pod).getContainerStatuses(0);
    assertThat(cs.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
    assertThat(cs.getState().getWaiting().getMessage())
        .isEqualTo("back-off 10s restarting failed container=app pod=web_default(uid-1)");
    assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(2);
    assertThat(cs.getRestartCount()).isEqualTo(1);
    assertThat(status(pod).getPhase()).isEqualTo("Running");
    assertThat(runtime.containers()).hasSize(2);

    clock.set(T0.plusSeconds(16));
    assertThat(sync(pod).wakeAt()).isNull();
    RuntimeContainer third = runtime.latest("app");
    assertThat(third.attempt()).isEqualTo(2);
    assertThat(status(pod).getContainerStatuses(0).getRestartCount()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(1));
    runtime.exit(third.id(), 2);
    assertThat(sync(pod).wakeAt()).isEqualTo(T0.plusSeconds(17 + 20));
  }

  @Test
  void recordsTheKubeletsEventsForStartsCrashLoopsFailuresAndStops() {
    Pod pod = pod("Always", container("app"));
    sync(pod);
    assertThat(events).containsExactly("Normal Created: Created container app", "Normal Started: Started container app");

    events.clear();
    runtime.exit(runtime.latest("app").id(), 1);
    sync(pod);
    runtime.exit(runtime.latest("app").id(), 1);
    sync(pod);
    assertThat(events).containsExactly("Normal Created: Created container app", "Normal Started: Started container app",
        "Warning BackOff: Back-off restarting failed container app in pod web_default(uid-1)");

    events.clear();
    Container broken = container("env").toBuilder().addEnv(EnvVar.newBuilder().setName("MODE").setValueFrom(
        EnvVarSource.newBuilder().setConfigMapKeyRef(ConfigMapKeySelector.newBuilder().setName("settings").setKey("mode"))))
        .build();
    Pod other = pod("Always", broken).toBuilder().setMetadata(ObjectMeta.newBuilder()
        .setName("other").setNamespace("default").setUid("uid-2")).build();
    sync(other);
    assertThat(events).singleElement().asString().startsWith("Warning Failed: Error: ").contains("configmap \"settings\" not found");

    events.clear();
    clock.advance(Duration.ofSeconds(20));
    sync(pod);
    syncer.terminatePod(pod, false);
    assertThat(events).containsExactly("Normal Created: Created container app", "Normal Started: Started container app",
        "Normal Killing: Stopping container app");
  }

  @Test
  void onFailureRestartsFailuresButNotSuccess() {
    Pod pod = pod("OnFailure", container("app"));
    sync(pod);
    runtime.exit(runtime.latest("app").id(), 0);
    assertThat(sync(pod).wakeAt()).isNull();
    assertThat(status(pod).getPhase()).isEqualTo("Succeeded");
    assertThat(status(pod).getContainerStatuses(0).getState().getTerminated().getReason()).isEqualTo("Completed");

    Pod other = pod("OnFailure", container("app")).toBuilder().setMetadata(ObjectMeta.newBuilder()
        .setName("other").setNamespace("default").setUid("uid-2")).build();
    sync(other);
    RuntimeContainer c = runtime.listContainers(RuntimeLabels.selectPod("uid-2")).get(0);
    runtime.exit(c.id(), 1);
    sync(other);
    assertThat(runtime.listContainers(RuntimeLabels.selectPod("uid-2"))).extracting(RuntimeContainer::attempt)
        .as("a failure is restarted").contains(1);
    assertThat(status(other).getPhase()).isEqualTo("Running");
  }

  @Test
  void neverRestartsAndAFailedPodStaysDown() {
    Pod pod = pod("Never", container("app"));
    sync(pod);
    runtime.exit(runtime.latest("app").id(), 3);
    sync(pod);
    assertThat(status(pod).getPhase()).isEqualTo("Failed");
    assertThat(status(pod).getContainerStatuses(0).getState().getTerminated().getExitCode()).isEqualTo(3);

    clock.advance(Duration.ofHours(1));
    sync(pod);
    assertThat(runtime.containers()).hasSize(1);
    assertThat(runtime.sandboxes()).hasSize(1);
  }

  @Test
  void aContainerThatCannotStartIsAStartErrorAndRetriedUnderBackOff() {
    Pod pod = pod("Always", container("app"));
    runtime.failNextStart = "exec: \"nope\": executable file not found in $PATH";
    SyncResult first = sync(pod);
    assertThat(first.wakeAt()).isEqualTo(T0);
    runtime.failNextStart = "exec: \"nope\": executable file not found in $PATH";
    SyncResult second = sync(pod);
    assertThat(second.wakeAt()).as("the first retry is immediate").isEqualTo(T0);
    SyncResult third = sync(pod);
    assertThat(third.wakeAt()).isEqualTo(T0.plusSeconds(10));
    ContainerStatus cs = status(pod).getContainerStatuses(0);
    assertThat(cs.getLastState().getTerminated().getReason()).isEqualTo("StartError");
    assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(128);
    assertThat(cs.getLastState().getTerminated().getMessage()).contains("executable file not found");

    clock.advance(Duration.ofSeconds(10));
    sync(pod);
    assertThat(runtime.latest("app").state()).isEqualTo(ContainerState.RUNNING);
    assertThat(status(pod).getContainerStatuses(0).getRestartCount()).isEqualTo(2);
  }

  @Test
  void aMissingConfigMapKeepsThePodPendingUntilItExists() {
    Container app = container("app").toBuilder().addEnv(EnvVar.newBuilder().setName("MODE").setValueFrom(
        EnvVarSource.newBuilder().setConfigMapKeyRef(ConfigMapKeySelector.newBuilder().setName("settings").setKey("mode")))).build();
    Pod pod = pod("Always", app);
    assertThat(sync(pod).wakeAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(status(pod).getPhase()).isEqualTo("Pending");
    assertThat(status(pod).getContainerStatuses(0).getState().getWaiting().getReason()).isEqualTo("CreateContainerConfigError");
    assertThat(status(pod).getContainerStatuses(0).getState().getWaiting().getMessage()).contains("configmap \"settings\" not found");
    assertThat(runtime.containers()).isEmpty();

    configMaps.put("settings", ConfigMap.newBuilder().putData("mode", "fast").build());
    clock.advance(Duration.ofSeconds(5));
    sync(pod);
    assertThat(runtime.containers()).as("still backing off").isEmpty();
    clock.advance(Duration.ofSeconds(5));
    sync(pod);
    assertThat(runtime.latest("app").config().env()).extracting(e -> e.value()).containsExactly("fast");
    assertThat(status(pod).getPhase()).isEqualTo("Running");
  }

  private static Pod withSecretVolume(Pod pod) {
    PodSpec.Builder spec = pod.getSpec().toBuilder()
        .addVolumes(Volume.newBuilder().setName("creds").setSecret(SecretVolumeSource.newBuilder().setSecretName("db")));
    spec.setContainers(0, spec.getContainers(0).toBuilder()
        .addVolumeMounts(VolumeMount.newBuilder().setName("creds").setMountPath("/etc/db")));
    return pod.toBuilder().setSpec(spec).build();
  }

  @Test
  void aMissingSecretVolumeStartsNoContainerUntilItExistsAndTerminationRemovesTheVolume() throws Exception {
    runtime.features = EnumSet.allOf(RuntimeFeature.class);
    Pod pod = withSecretVolume(pod("Always", container("app"), container("sidecar")));
    assertThat(sync(pod).wakeAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(status(pod).getPhase()).isEqualTo("Pending");
    for (ContainerStatus cs : status(pod).getContainerStatusesList()) {
      assertThat(cs.getState().getWaiting().getReason()).as(cs.getName()).isEqualTo("CreateContainerConfigError");
      assertThat(cs.getState().getWaiting().getMessage()).as(cs.getName())
          .isEqualTo("spec.volumes[0].secret: secret \"db\" not found");
    }
    assertThat(runtime.containers()).isEmpty();

    secrets.put("db", Secret.newBuilder().putData("password", ByteString.copyFromUtf8("s3cret")).build());
    clock.advance(Duration.ofSeconds(10));
    sync(pod);
    Path dir = volumeRoot.resolve("uid-1").resolve("creds");
    assertThat(runtime.latest("app").config().mounts()).containsExactly(new Mount(dir, "/etc/db", true));
    assertThat(runtime.latest("sidecar").config().mounts()).isEmpty();
    assertThat(Files.readString(dir.resolve("password"))).isEqualTo("s3cret");
    assertThat(status(pod).getPhase()).isEqualTo("Running");

    syncer.terminatePod(api.current(pod), true);
    assertThat(volumeRoot.resolve("uid-1")).doesNotExist();
  }

  @Test
  void volumesLeftWithoutASandboxAreAnOrphanToTearDown() throws Exception {
    Files.createDirectories(volumeRoot.resolve("gone-uid").resolve("scratch"));

    assertThat(syncer.runtimePods()).extracting(p -> p.getMetadata().getUid()).contains("gone-uid");
    syncer.terminatePod(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setUid("gone-uid")).build(), true);

    assertThat(volumeRoot.resolve("gone-uid")).doesNotExist();
    assertThat(syncer.runtimePods()).extracting(p -> p.getMetadata().getUid()).doesNotContain("gone-uid");
  }

  @Test
  void aRuntimeThatCannotMountFailsContainersWithVolumeMountsWithAReason() {
    secrets.put("db", Secret.newBuilder().putData("password", ByteString.copyFromUtf8("s3cret")).build());
    Pod pod = withSecretVolume(pod("Always", container("app"), container("sidecar")));
    sync(pod);
    assertThat(status(pod).getContainerStatuses(0).getState().getWaiting().getReason())
        .isEqualTo("CreateContainerConfigError");
    assertThat(status(pod).getContainerStatuses(0).getState().getWaiting().getMessage())
        .startsWith("spec.containers[0].volumeMounts[0]: the fake runtime cannot mount volumes into containers");
    assertThat(runtime.containers()).extracting(RuntimeContainer::name).containsExactly("sidecar");
  }

  @Test
  void keepsOnlyTheLastTwoAttemptsOfAContainer() {
    Pod pod = pod("Always", container("app"));
    sync(pod);
    for (int i = 0; i < 4; i++) {
      runtime.exit(runtime.latest("app").id(), 1);
      clock.advance(Duration.ofMinutes(6));
      sync(pod);
    }
    assertThat(runtime.containers()).extracting(RuntimeContainer::attempt).containsExactlyInAnyOrder(3, 4);
    assertThat(status(pod).getContainerStatuses(0).getRestartCount()).isEqualTo(4);
  }

  @Test
  void terminationStopsWithTheDeletionGracePeriodWritesAFinalStatusAndDeletesThePod() {
    Pod pod = pod("Always", container("app"), container("sidecar"));
    sync(pod);
    Pod deleting = api.current(pod).toBuilder().setMetadata(pod.getMetadata().toBuilder()
        .setDeletionTimestamp(ProtoTimestamps.of(T0)).setDeletionGracePeriodSeconds(7)).build();

    assertThat(syncer.terminatePod(deleting, false).finished()).isTrue();

    assertThat(runtime.stopGraces).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(7));
    assertThat(runtime.sandboxes()).isEmpty();
    assertThat(runtime.containers()).isEmpty();
    assertThat(status(pod).getPhase()).isEqualTo("Failed");
    assertThat(status(pod).getContainerStatuses(0).getState().getTerminated().getExitCode()).isEqualTo(143);
    assertThat(api.deleted).containsExactly("uid-1");
  }

  @Test
  void aPodGoneFromTheApiIsOnlyCleanedUp() {
    Pod pod = pod("Always", container("app")).toBuilder()
        .setSpec(pod("Always", container("app")).getSpec().toBuilder().setTerminationGracePeriodSeconds(3)).build();
    sync(pod);
    int writes = api.writes;
    syncer.terminatePod(pod, true);
    assertThat(runtime.stopGraces).containsExactly(Duration.ofSeconds(3));
    assertThat(runtime.sandboxes()).isEmpty();
    assertThat(api.writes).isEqualTo(writes);
    assertThat(api.deleted).isEmpty();
  }

  @Test
  void runtimePodsDescribeSandboxesForOrphanCleanup() {
    Pod pod = pod("Always", container("app")).toBuilder()
        .setSpec(pod("Always", container("app")).getSpec().toBuilder().setTerminationGracePeriodSeconds(4)).build();
    sync(pod);
    assertThat(syncer.runtimePods()).singleElement().satisfies(p -> {
      assertThat(p.getMetadata().getUid()).isEqualTo("uid-1");
      assertThat(p.getMetadata().getName()).isEqualTo("web");
      assertThat(RuntimePodSyncer.gracePeriod(p)).isEqualTo(Duration.ofSeconds(4));
    });
  }
}

package dev.capstan.agent.pod;

import dev.capstan.agent.pod.PodStatusGenerator.Waiting;
import dev.capstan.agent.prober.ContainerProbes;
import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.ImagePullException;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.PortMapping;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.volume.PodVolumes;
import dev.capstan.agent.volume.TokenVolumeWithoutMounts;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.quantity.Quantity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PodSyncer} that drives a {@link ContainerRuntime}: one pass of bringing a pod's runtime state toward its spec (kubelet's syncPod) and of tearing a
 * pod down (syncTerminatingPod). Not thread-safe per pod: {@link PodWorkers} never runs two passes
 * of the same pod at once.
 *
 * <p>A sync ensures a ready sandbox, starts every container that has not run, restarts exited
 * ones as the restart policy says with {@link RestartBackOff}, removes all but the last two
 * attempts of each container, and writes the resulting status through {@link PodStatusManager}.
 * Before containers start, the pod's volumes are set up ({@link PodVolumes}); a volume that cannot
 * be (a missing ConfigMap or Secret) keeps every container from starting, reported as
 * CreateContainerConfigError naming the volume and the object. On a runtime that cannot mount
 * volumes the ServiceAccount token volume admission adds is left out ({@link TokenVolumeWithoutMounts}).
 * A terminal pod (Succeeded or Failed) never gets containers started again.
 */
public final class RuntimePodSyncer implements PodSyncer {
  private static final Logger log = LoggerFactory.getLogger(RuntimePodSyncer.class);
  public static final long DEFAULT_GRACE_SECONDS = 30;

  private final ContainerRuntime runtime;
  private final PodStatusManager statusManager;
  private final ContainerEnvironment environment;
  private final PodVolumes volumes;
  private final RestartBackOff backOff;
  private final Clock clock;
  private final Path podLogRoot;
  private final String hostIp;
  private final Executor stopExecutor;
  private final ContainerProbes probes;
  private final PodEvents events;
  private final PodSyncMetrics metrics;
  /** Why a container could not be created, per "uid/name", shown while it waits for the retry. */
  private final Map<String, Waiting> createFailures = new ConcurrentHashMap<>();

  /**
   * @param podLogRoot pods' logs go to {@code <podLogRoot>/<uid>/<container>/<attempt>.log}
   * @param hostIp the node's IP, reported as status.hostIP
   * @param stopExecutor runs the stops of a pod's containers in parallel
   * @param probes runs the containers' probes; told of each pod's containers after each sync
   * @param events receives the pod's Events (Created, Started, Failed, BackOff, Killing)
   * @param metrics told of pods starting and containers restarting
   */
  public RuntimePodSyncer(ContainerRuntime runtime, PodStatusManager statusManager, ContainerEnvironment environment,
      PodVolumes volumes, RestartBackOff backOff, Clock clock, Path podLogRoot, String hostIp, Executor stopExecutor,
      ContainerProbes probes, PodEvents events, PodSyncMetrics metrics) {
    this.runtime = runtime;
    this.statusManager = statusManager;
    this.environment = environment;
    this.volumes = volumes;
    this.backOff = backOff;
    this.clock = clock;
    this.podLogRoot = podLogRoot;
    this.hostIp = hostIp;
    this.stopExecutor = stopExecutor;
    this.probes = probes;
    this.events = events;
    this.metrics = metrics;
  }

  /** A syncer that records no Events. */
  public RuntimePodSyncer(ContainerRuntime runtime, PodStatusManager statusManager, ContainerEnvironment environment,
      PodVolumes volumes, RestartBackOff backOff, Clock clock, Path podLogRoot, String hostIp, Executor stopExecutor,
      ContainerProbes probes) {
    this(runtime, statusManager, environment, volumes, backOff, clock, podLogRoot, hostIp, stopExecutor, probes,
        PodEvents.NONE, PodSyncMetrics.NONE);
  }

  @Override
  public SyncResult syncPod(Pod apiPod) {
    Pod pod = statusManager.withLatestStatus(apiPod);
    if (!runtime.features().contains(RuntimeFeature.MOUNTS)) {
      pod = TokenVolumeWithoutMounts.strip(pod);
    }
    String uid = pod.getMetadata().getUid();
    RestartPolicy policy = RestartPolicy.of(pod.getSpec().getRestartPolicy());
    Instant now = clock.instant();
    PodRuntimeState state = PodRuntimeState.read(runtime, uid);
    if (state.sandboxes().isEmpty()) {
      metrics.podSeen(uid); // a new pod; one adopted from a previous agent is not timed
    }
    Map<String, Waiting> waiting = new HashMap<>();
    Instant wakeAt = null;
    if (PodStatusGenerator.isTerminal(pod.getStatus().getPhase())) {
      stopRunning(state, gracePeriod(pod));
    } else {
      Optional<PodSandbox> sandbox = state.readySandbox();
      if (sandbox.isEmpty() && needsSandbox(pod, policy, state)) {
        stopRunning(state, gracePeriod(pod));
        state.sandboxes().forEach(s -> runtime.stopPodSandbox(s.id()));
        sandbox = Optional.of(runtime.runPodSandbox(sandboxConfig(pod, state.sandboxes().size())));
      }
      if (sandbox.isPresent()) {
        PodVolumes.Prepared prepared = volumes.setUp(pod);
        InitStep init = syncInitContainers(pod, policy, sandbox.get(), state, prepared, waiting, now);
        wakeAt = earliest(wakeAt, init.wakeAt());
        if (init.done()) {
          List<Container> containers = pod.getSpec().getContainersList();
          for (int i = 0; i < containers.size(); i++) {
            wakeAt = earliest(wakeAt, syncContainer(pod, i, policy, sandbox.get(), state, prepared, waiting, now));
          }
        }
      }
      state = PodRuntimeState.read(runtime, uid);
      state = removeOldAttempts(state);
    }
    probes.sync(pod, runningContainers(pod, state), podIp(pod, state));
    PodStatus status = PodStatusGenerator.generate(pod, state, waiting, runtime.version(), hostIp, now, false, probes);
    statusManager.setStatus(pod, status);
    if (allContainersRun(pod, status)) {
      metrics.podRunning(uid);
    }
    return SyncResult.wakeAt(wakeAt);
  }

  /** Whether the status shows every one of the pod's (regular) containers running. */
  private static boolean allContainersRun(Pod pod, PodStatus status) {
    int containers = pod.getSpec().getContainersCount();
    return status.getContainerStatusesCount() == containers && containers > 0
        && status.getContainerStatusesList().stream().allMatch(c -> c.getState().hasRunning());
  }

  @Override
  public SyncResult terminatePod(Pod apiPod, boolean removedFromApi) {
    Pod pod = statusManager.withLatestStatus(apiPod);
    String uid = pod.getMetadata().getUid();
    PodRuntimeState state = PodRuntimeState.read(runtime, uid);
    state.containers().stream()
        .filter(c -> c.state() == ContainerState.RUNNING)
        .forEach(c -> events.normal(pod, "Killing", "Stopping container " + c.name()));
    stopRunning(state, gracePeriod(pod));
    state.sandboxes().forEach(s -> runtime.stopPodSandbox(s.id()));
    if (!removedFromApi) {
      state = PodRuntimeState.read(runtime, uid);
      PodStatus status = PodStatusGenerator.generate(pod, state, Map.of(), runtime.version(), hostIp, clock.instant(), true);
      statusManager.setStatus(pod, status);
      statusManager.deletePod(pod);
    }
    state.sandboxes().forEach(s -> runtime.removePodSandbox(s.id()));
    PodRuntimeState.read(runtime, uid).containers().forEach(c -> runtime.removeContainer(c.id()));
    volumes.tearDown(uid);
    deleteRecursively(podLogRoot.resolve(uid));
    probes.forgetPod(uid);
    backOff.forget(uid);
    createFailures.keySet().removeIf(k -> k.startsWith(uid + "/"));
    statusManager.forget(uid);
    metrics.podGone(uid);
    return SyncResult.FINISHED;
  }

  @Override
  public List<Pod> runtimePods() {
    Map<String, Pod> pods = new LinkedHashMap<>();
    for (PodSandbox s : runtime.listPodSandboxes(Map.of())) {
      String uid = s.labels().get(RuntimeLabels.POD_UID);
      if (uid == null) {
        continue; // not created by an agent
      }
      ObjectMeta.Builder meta = ObjectMeta.newBuilder().setUid(uid)
          .setName(s.config().name()).setNamespace(s.config().namespace());
      String grace = s.config().annotations().get(RuntimeLabels.TERMINATION_GRACE_PERIOD);
      if (grace != null) {
        meta.setDeletionGracePeriodSeconds(Long.parseLong(grace));
      }
      pods.putIfAbsent(uid, Pod.newBuilder().setMetadata(meta).build());
    }
    // Volumes left by a pod whose sandbox is already gone (the agent stopped halfway through a teardown).
    for (String uid : volumes.podUids()) {
      pods.putIfAbsent(uid, Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setUid(uid)).build());
    }
    return List.copyOf(pods.values());
  }

  private static Map<String, String> runningContainers(Pod pod, PodRuntimeState state) {
    Map<String, String> running = new HashMap<>();
    for (Container c : pod.getSpec().getContainersList()) {
      state.latest(c.getName()).filter(rc -> rc.state() == ContainerState.RUNNING)
          .ifPresent(rc -> running.put(c.getName(), rc.id()));
    }
    return running;
  }

  /** Where network probes go: the pod's own IP, or the node's for host-network pods and runtimes without one. */
  private String podIp(Pod pod, PodRuntimeState state) {
    if (pod.getSpec().getHostNetwork()) {
      return hostIp;
    }
    return state.latestSandbox().map(PodSandbox::ip).filter(ip -> !ip.isEmpty()).orElse(hostIp);
  }

  /** The grace period of a pod's stop: the deletion's, else the spec's, else 30 s. */
  public static Duration gracePeriod(Pod pod) {
    if (pod.getMetadata().hasDeletionGracePeriodSeconds()) {
      return Duration.ofSeconds(Math.max(0, pod.getMetadata().getDeletionGracePeriodSeconds()));
    }
    if (pod.getSpec().hasTerminationGracePeriodSeconds()) {
      return Duration.ofSeconds(Math.max(0, pod.getSpec().getTerminationGracePeriodSeconds()));
    }
    return Duration.ofSeconds(DEFAULT_GRACE_SECONDS);
  }

  /** Where a pod's init containers are: all done (exited 0), and when to sync again if not. */
  private record InitStep(boolean done, Instant wakeAt) {}

  /**
   * Runs the init containers one at a time, in order: the next starts only once the one before
   * exited 0. A failed one is restarted under back-off (restart policy Always counts as
   * OnFailure here, as in Kubernetes) or, with Never, stays failed and so fails the pod.
   */
  private InitStep syncInitContainers(Pod pod, RestartPolicy policy, PodSandbox sandbox, PodRuntimeState state,
      PodVolumes.Prepared prepared, Map<String, Waiting> waiting, Instant now) {
    List<Container> inits = pod.getSpec().getInitContainersList();
    for (int i = 0; i < inits.size(); i++) {
      Container spec = inits.get(i);
      String field = "spec.initContainers[" + i + "]";
      Optional<RuntimeContainer> latest = state.latest(spec.getName());
      if (latest.isEmpty()) {
        return new InitStep(false, startFirst(pod, spec, field, sandbox, prepared, waiting, now));
      }
      RuntimeContainer c = latest.get();
      if (c.state() == ContainerState.RUNNING) {
        return new InitStep(false, null);
      }
      if (c.state() == ContainerState.CREATED) {
        return new InitStep(false, startCreated(pod, c, now));
      }
      if (c.state() == ContainerState.EXITED && c.exitCode() == 0) {
        continue;
      }
      if (policy == RestartPolicy.NEVER) {
        return new InitStep(false, null);
      }
      return new InitStep(false, restartUnderBackOff(pod, spec, field, "init container", c, sandbox, prepared,
          waiting, now));
    }
    return new InitStep(true, null);
  }

  private Instant syncContainer(Pod pod, int index, RestartPolicy policy, PodSandbox sandbox,
      PodRuntimeState state, PodVolumes.Prepared prepared, Map<String, Waiting> waiting, Instant now) {
    Container spec = pod.getSpec().getContainers(index);
    String field = "spec.containers[" + index + "]";
    Optional<RuntimeContainer> latest = state.latest(spec.getName());
    if (latest.isEmpty()) {
      return startFirst(pod, spec, field, sandbox, prepared, waiting, now);
    }
    RuntimeContainer c = latest.get();
    switch (c.state()) {
      case RUNNING: {
        Optional<String> unhealthy = probes.restartReason(c.id());
        if (unhealthy.isEmpty()) {
          return null;
        }
        // As the kubelet does: kill it with the pod's grace period; the next pass restarts it
        // as the restart policy says, under back-off.
        log.info("pod {}: container {} {}, will be restarted", podKey(pod), spec.getName(), unhealthy.get());
        events.normal(pod, "Killing", "Container " + spec.getName() + " " + unhealthy.get() + ", will be restarted");
        runtime.stopContainer(c.id(), gracePeriod(pod));
        return now;
      }
      case CREATED:
        return startCreated(pod, c, now);
      default:
        if (!policy.restarts(c.exitCode())) {
          return null;
        }
        return restartUnderBackOff(pod, spec, field, "container", c, sandbox, prepared, waiting, now);
    }
  }

  /** Starts a container's first attempt, unless a failed creation still waits out its back-off. */
  private Instant startFirst(Pod pod, Container spec, String field, PodSandbox sandbox, PodVolumes.Prepared prepared,
      Map<String, Waiting> waiting, Instant now) {
    String uid = pod.getMetadata().getUid();
    String name = spec.getName();
    Instant at = backOff.retryAt(uid, name).orElse(now);
    if (at.isAfter(now)) {
      Waiting w = createFailures.get(uid + "/" + name);
      if (w != null) {
        waiting.put(name, w);
      }
      return at;
    }
    return start(pod, spec, field, sandbox, prepared, 0, false, waiting);
  }

  /** Starts a container the runtime created but did not start; returns when to retry if that fails. */
  private Instant startCreated(Pod pod, RuntimeContainer c, Instant now) {
    try {
      runtime.startContainer(c.id());
    } catch (ContainerRuntimeException e) {
      log.warn("pod {}: {}", podKey(pod), e.getMessage());
      return now;
    }
    return null;
  }

  /** Starts the next attempt of an exited container once its crash-loop back-off has passed. */
  private Instant restartUnderBackOff(Pod pod, Container spec, String field, String what, RuntimeContainer c,
      PodSandbox sandbox, PodVolumes.Prepared prepared, Map<String, Waiting> waiting, Instant now) {
    String uid = pod.getMetadata().getUid();
    String name = spec.getName();
    Instant finished = c.finishedAt() != null ? c.finishedAt() : now;
    Instant at = backOff.restartAt(uid, name, c.startedAt(), finished);
    if (at.isAfter(now)) {
      events.warning(pod, "BackOff", "Back-off restarting failed " + what + " " + name + " in pod "
          + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + uid + ")");
      waiting.put(name, createFailures.getOrDefault(uid + "/" + name, new Waiting(
          PodStatusGenerator.CRASH_LOOP_BACK_OFF,
          "back-off " + seconds(backOff.currentDelay(uid, name)) + " restarting failed " + what + "=" + name
              + " pod=" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + uid + ")")));
      return at;
    }
    return start(pod, spec, field, sandbox, prepared, c.attempt() + 1, true, waiting);
  }

  /** Creates and starts one attempt of a container; returns when to sync again after a failure. */
  private Instant start(Pod pod, Container spec, String field, PodSandbox sandbox, PodVolumes.Prepared prepared,
      int attempt, boolean restart, Map<String, Waiting> waiting) {
    String uid = pod.getMetadata().getUid();
    String key = uid + "/" + spec.getName();
    String id;
    try {
      List<Mount> mounts = mounts(pod, spec, field, prepared);
      ContainerEnvironment.Resolved resolved = environment.resolve(pod, spec, field, sandbox.ip(), hostIp);
      ContainerConfig config = new ContainerConfig(spec.getName(), attempt, spec.getImage(), resolved.command(),
          resolved.args(), spec.getWorkingDir(), resolved.env(), Path.of(spec.getName(), attempt + ".log"),
          RuntimeLabels.forContainer(pod, spec), Map.of(), pullPolicy(spec, field), resources(spec, field), mounts);
      id = runtime.createContainer(sandbox.id(), config);
    } catch (ContainerConfigException e) {
      return createFailed(pod, spec, new Waiting(PodStatusGenerator.CREATE_CONTAINER_CONFIG_ERROR, e.getMessage()), waiting);
    } catch (ImagePullException e) {
      return createFailed(pod, spec, new Waiting(e.reason(), e.getMessage()), waiting);
    } catch (ContainerRuntimeException e) {
      return createFailed(pod, spec, new Waiting(PodStatusGenerator.CREATE_CONTAINER_ERROR, e.getMessage()), waiting);
    }
    createFailures.remove(key);
    events.normal(pod, "Created", "Created container " + spec.getName());
    if (restart) {
      backOff.restarted(uid, spec.getName());
      metrics.containerRestarted();
    }
    try {
      runtime.startContainer(id);
    } catch (ContainerRuntimeException e) {
      // The runtime reports it as exited (StartError); the next pass restarts it under back-off.
      log.warn("pod {}: {}", podKey(pod), e.getMessage());
      events.warning(pod, "Failed", "Error: " + e.getMessage());
      return clock.instant();
    }
    events.normal(pod, "Started", "Started container " + spec.getName());
    return null;
  }

  /** The container's mounts; a pod whose volumes are not all ready starts no container. */
  private List<Mount> mounts(Pod pod, Container spec, String field, PodVolumes.Prepared prepared) {
    Optional<String> notReady = prepared.firstError();
    if (notReady.isPresent()) {
      throw new ContainerConfigException(notReady.get());
    }
    if (spec.getVolumeMountsCount() > 0 && !runtime.features().contains(RuntimeFeature.MOUNTS)) {
      throw new ContainerConfigException(field + ".volumeMounts[0]: the " + runtime.version().runtimeName()
          + " runtime cannot mount volumes into containers (it has no mount namespaces); run pods with volume"
          + " mounts on a containerd node");
    }
    return volumes.mounts(pod, spec, field, prepared);
  }

  private Instant createFailed(Pod pod, Container spec, Waiting why, Map<String, Waiting> waiting) {
    log.warn("pod {}: container {}: {}: {}", podKey(pod), spec.getName(), why.reason(), why.message());
    // The kubelet names image failures by their own reason and everything else "Failed".
    events.warning(pod, why.reason().startsWith("ErrImage") ? why.reason() : "Failed", "Error: " + why.message());
    createFailures.put(pod.getMetadata().getUid() + "/" + spec.getName(), why);
    waiting.put(spec.getName(), why);
    return backOff.failed(pod.getMetadata().getUid(), spec.getName());
  }

  private static ImagePullPolicy pullPolicy(Container spec, String field) {
    try {
      return ImagePullPolicy.of(spec.getImagePullPolicy(), spec.getImage());
    } catch (IllegalArgumentException e) {
      throw new ContainerConfigException(field + "." + e.getMessage());
    }
  }

  /** Limits as given; a CPU request defaults to the limit, as Kubernetes defaults requests to limits. */
  private static ContainerResources resources(Container spec, String field) {
    Map<String, String> limits = spec.getResources().getLimitsMap();
    Map<String, String> requests = spec.getResources().getRequestsMap();
    String path = field + ".resources.";
    long cpuLimit = quantity(limits.get("cpu"), path + "limits.cpu").milliValue();
    long cpuRequest = requests.containsKey("cpu") ? quantity(requests.get("cpu"), path + "requests.cpu").milliValue()
        : cpuLimit;
    long memoryLimit = quantity(limits.get("memory"), path + "limits.memory").value();
    return new ContainerResources(cpuRequest, cpuLimit, memoryLimit);
  }

  private static Quantity quantity(String text, String field) {
    if (text == null) {
      return Quantity.ZERO;
    }
    try {
      return Quantity.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ContainerConfigException(field + ": " + e.getMessage());
    }
  }

  /** The pod's published ports: those of its containers that name a hostPort (none on host network). */
  private static List<PortMapping> portMappings(Pod pod) {
    if (pod.getSpec().getHostNetwork()) {
      return List.of();
    }
    List<PortMapping> out = new ArrayList<>();
    for (Container c : pod.getSpec().getContainersList()) {
      for (ContainerPort p : c.getPortsList()) {
        if (p.getHostPort() > 0) {
          out.add(new PortMapping(p.getProtocol(), p.getContainerPort(), p.getHostPort(), p.getHostIp()));
        }
      }
    }
    return out;
  }

  /** Whether any container still has to run: otherwise a finished pod needs no new sandbox. */
  private static boolean needsSandbox(Pod pod, RestartPolicy policy, PodRuntimeState state) {
    for (Container c : pod.getSpec().getContainersList()) {
      Optional<RuntimeContainer> latest = state.latest(c.getName());
      if (latest.isEmpty() || latest.get().state() != ContainerState.EXITED || policy.restarts(latest.get().exitCode())) {
        return true;
      }
    }
    return false;
  }

  private PodSandboxConfig sandboxConfig(Pod pod, int attempt) {
    ObjectMeta m = pod.getMetadata();
    String hostname = pod.getSpec().getHostname().isEmpty() ? m.getName() : pod.getSpec().getHostname();
    if (hostname.length() > 63) {
      hostname = hostname.substring(0, 63);
    }
    long grace = pod.getSpec().hasTerminationGracePeriodSeconds()
        ? pod.getSpec().getTerminationGracePeriodSeconds() : DEFAULT_GRACE_SECONDS;
    return new PodSandboxConfig(m.getName(), m.getNamespace(), m.getUid(), attempt, hostname,
        podLogRoot.resolve(m.getUid()).toAbsolutePath(), pod.getSpec().getHostNetwork(), RuntimeLabels.forSandbox(pod),
        Map.of(RuntimeLabels.TERMINATION_GRACE_PERIOD, Long.toString(grace)), portMappings(pod));
  }

  /** Keeps the newest two attempts of each container (for status and --previous logs). */
  private PodRuntimeState removeOldAttempts(PodRuntimeState state) {
    List<RuntimeContainer> removed = new ArrayList<>();
    Map<String, List<RuntimeContainer>> byName = new HashMap<>();
    state.containers().forEach(c -> byName.computeIfAbsent(c.name(), n -> new ArrayList<>()).add(c));
    for (List<RuntimeContainer> attempts : byName.values()) {
      attempts.sort(Comparator.comparingInt(RuntimeContainer::attempt));
      for (RuntimeContainer old : attempts.subList(0, Math.max(0, attempts.size() - 2))) {
        if (old.state() == ContainerState.EXITED) {
          runtime.removeContainer(old.id());
          deleteQuietly(old.logPath());
          removed.add(old);
        }
      }
    }
    if (removed.isEmpty()) {
      return state;
    }
    List<RuntimeContainer> kept = new ArrayList<>(state.containers());
    kept.removeAll(removed);
    return new PodRuntimeState(state.sandboxes(), kept);
  }

  private void stopRunning(PodRuntimeState state, Duration grace) {
    List<CompletableFuture<Void>> stops = state.containers().stream()
        .filter(c -> c.state() == ContainerState.RUNNING || c.state() == ContainerState.UNKNOWN)
        .map(c -> CompletableFuture.runAsync(() -> runtime.stopContainer(c.id(), grace), stopExecutor))
        .toList();
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String podKey(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", p, e.toString());
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(RuntimePodSyncer::deleteQuietly);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", dir, e.toString());
    }
  }
}

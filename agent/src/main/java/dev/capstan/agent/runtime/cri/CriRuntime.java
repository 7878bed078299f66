package dev.capstan.agent.runtime.cri;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ContainerUsage;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.PortMapping;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.agent.runtime.SandboxState;
import dev.capstan.cri.v1.Cri;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containerd runtime: {@link ContainerRuntime} mapped onto a CRI {@code runtime.v1} endpoint
 * (containerd's CRI plugin) through a {@link CriClient}.
 *
 * <ul>
 *   <li>A sandbox is a CRI pod sandbox. Its pod IP is the one the runtime's CNI network gave it;
 *       a host-network sandbox reports the node's IP. Published ports (hostPort) become CRI port
 *       mappings.
 *   <li>A container is a CRI container. Its image is made present first as its pull policy says
 *       ({@link CriImages#ensure}); CPU request, CPU limit and memory limit become cgroup shares,
 *       quota and memory limit ({@link CriResources}). The runtime writes its output in CRI log
 *       format to {@code logDirectory/logPath}, and reports exit codes and reasons (Completed,
 *       Error, OOMKilled, StartError) itself.
 *   <li>What the interface needs back but CRI does not store (hostname, log directory, host network,
 *       relative log path) travels in annotations under {@code capstan.dev/}, which are removed
 *       again before configs are returned; so a new instance reads back every pod it finds.
 *   <li>Listings hold only sandboxes and containers a CriRuntime created (recognized by those
 *       annotations), so that an agent sharing a containerd with other CRI clients (a kubelet,
 *       crictl users) never stops or removes theirs.
 *   <li>Lifecycle events come from relisting containers every {@code relistPeriod} (containerd 1.6
 *       has no GetContainerEvents), as kubelet's PLEG does; see {@link CriEventRelister}.
 * </ul>
 *
 * <p>State lives in the runtime, not here: containers outlive this object and the agent, and
 * {@link #close()} only closes the connection.
 */
public final class CriRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(CriRuntime.class);

  static final String ANNOTATION_HOSTNAME = "capstan.dev/hostname";
  static final String ANNOTATION_LOG_DIRECTORY = "capstan.dev/log-directory";
  static final String ANNOTATION_HOST_NETWORK = "capstan.dev/host-network";
  static final String ANNOTATION_LOG_PATH = "capstan.dev/log-path";
  private static final String OWN_PREFIX = "capstan.dev/";
  /** RunPodSandbox sets up the network (CNI) and may first unpack the pause image. */
  private static final Duration SANDBOX_TIMEOUT = Duration.ofMinutes(2);
  /** What StopContainer may take beyond the grace period: the kill and the shim's cleanup. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(30);

  private final CriClient client;
  private final CriImages images;
  private final String hostIp;
  private final CriEventRelister relister;
  /** Sandbox configs as given, so CreateContainer can pass them without another status call. */
  private final Map<String, PodSandboxConfig> sandboxConfigs = new ConcurrentHashMap<>();
  private volatile RuntimeVersion version;

  /**
   * @param client the connection to the runtime; this runtime closes it
   * @param hostIp the node's IP, reported as the IP of host-network pods
   * @param clock the source of event timestamps
   * @param relistPeriod how often containers are relisted for lifecycle events
   */
  public CriRuntime(CriClient client, String hostIp, Clock clock, Duration relistPeriod) {
    if (hostIp == null || hostIp.isEmpty()) {
      throw new IllegalArgumentException("hostIp: required");
    }
    this.client = client;
    this.images = new CriImages(client);
    this.hostIp = hostIp;
    this.relister = new CriEventRelister(this::listContainerStates, clock, relistPeriod);
  }

  public CriRuntime(CriClient client, String hostIp, Clock clock) {
    this(client, hostIp, clock, Duration.ofSeconds(1));
  }

  /** The image side of the runtime. */
  public CriImages images() {
    return images;
  }

  @Override
  public RuntimeVersion version() {
    RuntimeVersion v = version;
    if (v == null) {
      try {
        Cri.VersionResponse r = client.runtime().version(Cri.VersionRequest.newBuilder().setVersion("v1").build());
        v = new RuntimeVersion(r.getRuntimeName(), r.getRuntimeVersion(), r.getRuntimeApiVersion());
      } catch (StatusRuntimeException e) {
        throw CriErrors.translate("runtime version", e);
      }
      version = v;
    }
    return v;
  }

  /** Whether the runtime reports itself ready (CRI Status conditions RuntimeReady and NetworkReady). */
  public boolean ready() {
    try {
      Cri.StatusResponse r = client.runtime().status(Cri.StatusRequest.getDefaultInstance());
      return r.getStatus().getConditionsList().stream().allMatch(Cri.RuntimeCondition::getStatus);
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  @Override
  public Set<RuntimeFeature> features() {
    return EnumSet.allOf(RuntimeFeature.class);
  }

  @Override
  public PodSandbox runPodSandbox(PodSandboxConfig config) {
    String what = "pod " + config.namespace() + "/" + config.name();
    try {
      Files.createDirectories(config.logDirectory());
    } catch (IOException e) {
      throw new ContainerRuntimeException(what + ": cannot create log directory " + config.logDirectory() + ": " + e, e);
    }
    String id;
    try {
      id = client.runtime(SANDBOX_TIMEOUT).runPodSandbox(Cri.RunPodSandboxRequest.newBuilder()
          .setConfig(toCri(config)).build()).getPodSandboxId();
    } catch (StatusRuntimeException e) {
      throw new ContainerRuntimeException(what + ": cannot run pod sandbox: " + CriErrors.describe(e), e);
    }
    sandboxConfigs.put(id, config);
    return podSandboxStatus(id);
  }

  @Override
  public void stopPodSandbox(String sandboxId) {
    try {
      client.runtime(SANDBOX_TIMEOUT).stopPodSandbox(Cri.StopPodSandboxRequest.newBuilder()
          .setPodSandboxId(sandboxId).build());
    } catch (StatusRuntimeException e) {
      if (!CriErrors.notFound(e)) {
        throw CriErrors.translate("pod sandbox " + sandboxId, e);
      }
    }
  }

  @Override
  public void removePodSandbox(String sandboxId) {
    try {
      client.runtime(SANDBOX_TIMEOUT).removePodSandbox(Cri.RemovePodSandboxRequest.newBuilder()
          .setPodSandboxId(sandboxId).build());
    } catch (StatusRuntimeException e) {
      if (!CriErrors.notFound(e)) {
        throw CriErrors.translate("pod sandbox " + sandboxId, e);
      }
    }
    sandboxConfigs.remove(sandboxId);
  }

  @Override
  public PodSandbox podSandboxStatus(String sandboxId) {
    Cri.PodSandboxStatus s;
    try {
      s = client.runtime().podSandboxStatus(Cri.PodSandboxStatusRequest.newBuilder()
          .setPodSandboxId(sandboxId).build()).getStatus();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("pod sandbox " + sandboxId, e);
    }
    PodSandboxConfig config = sandboxConfigs.computeIfAbsent(s.getId(),
        id -> fromCri(s.getMetadata(), s.getLabelsMap(), s.getAnnotationsMap()));
    String ip = config.hostNetwork() ? hostIp : s.getNetwork().getIp();
    return new PodSandbox(s.getId(), config, s.getState() == Cri.PodSandboxState.SANDBOX_READY
        ? SandboxState.READY : SandboxState.NOT_READY, instant(s.getCreatedAt()), ip);
  }

  @Override
  public List<PodSandbox> listPodSandboxes(Map<String, String> labelSelector) {
    List<Cri.PodSandbox> items;
    try {
      items = client.runtime().listPodSandbox(Cri.ListPodSandboxRequest.newBuilder()
          .setFilter(Cri.PodSandboxFilter.newBuilder().putAllLabelSelector(selector(labelSelector))).build())
          .getItemsList();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("pod sandboxes", e);
    }
    List<PodSandbox> out = new ArrayList<>();
    for (Cri.PodSandbox item : items) {
      if (!item.containsAnnotations(ANNOTATION_LOG_DIRECTORY)) {
        continue; // not ours: another client of this containerd (say, a kubelet) made it
      }
      try {
        out.add(podSandboxStatus(item.getId()));
      } catch (ContainerRuntimeException e) {
        // Removed between list and status: it is gone, so it is not listed.
        log.debug("pod sandbox {} vanished while listing: {}", item.getId(), e.getMessage());
      }
    }
    out.sort(Comparator.comparing(PodSandbox::createdAt));
    return out;
  }

  @Override
  public String createContainer(String sandboxId, ContainerConfig config) {
    PodSandboxConfig sandbox = sandboxConfigs.get(sandboxId);
    if (sandbox == null) {
      sandbox = podSandboxStatus(sandboxId).config();
    }
    String what = "container \"" + config.name() + "\" of pod " + sandbox.namespace() + "/" + sandbox.name();
    images.ensure(config.image(), config.pullPolicy());
    try {
      return client.runtime().createContainer(Cri.CreateContainerRequest.newBuilder()
          .setPodSandboxId(sandboxId)
          .setConfig(toCri(config, sandbox))
          .setSandboxConfig(toCri(sandbox))
          .build()).getContainerId();
    } catch (StatusRuntimeException e) {
      throw new ContainerRuntimeException(what + ": cannot create: " + CriErrors.describe(e), e);
    }
  }

  @Override
  public void startContainer(String containerId) {
    try {
      client.runtime().startContainer(Cri.StartContainerRequest.newBuilder().setContainerId(containerId).build());
    } catch (StatusRuntimeException e) {
      if (CriErrors.notFound(e)) {
        throw CriErrors.translate("container " + containerId, e);
      }
      throw new ContainerRuntimeException("container " + containerId + ": start failed: " + CriErrors.describe(e), e);
    }
  }

  @Override
  public void stopContainer(String containerId, Duration gracePeriod) {
    // CRI takes whole seconds; round up so that a container gets at least the grace it was promised.
    long seconds = (gracePeriod.toMillis() + 999) / 1000;
    try {
      client.runtime(Duration.ofSeconds(seconds).plus(STOP_MARGIN)).stopContainer(Cri.StopContainerRequest.newBuilder()
          .setContainerId(containerId).setTimeout(seconds).build());
    } catch (StatusRuntimeException e) {
      if (!CriErrors.notFound(e)) {
        throw CriErrors.translate("container " + containerId, e);
      }
    }
  }

  @Override
  public void removeContainer(String containerId) {
    try {
      client.runtime(Duration.ofSeconds(30).plus(STOP_MARGIN)).removeContainer(Cri.RemoveContainerRequest.newBuilder()
          .setContainerId(containerId).build());
    } catch (StatusRuntimeException e) {
      if (!CriErrors.notFound(e)) {
        throw CriErrors.translate("container " + containerId, e);
      }
    }
  }

  @Override
  public RuntimeContainer containerStatus(String containerId) {
    Cri.ContainerStatusResponse r;
    try {
      r = client.runtime().containerStatus(Cri.ContainerStatusRequest.newBuilder().setContainerId(containerId).build());
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("container " + containerId, e);
    }
    return fromCri(r.getStatus(), sandboxIdOf(containerId, r));
  }

  @Override
  public List<RuntimeContainer> listContainers(Map<String, String> labelSelector) {
    List<RuntimeContainer> out = new ArrayList<>();
    for (Cri.Container c : listCri(labelSelector)) {
      try {
        Cri.ContainerStatusResponse r = client.runtime().containerStatus(Cri.ContainerStatusRequest.newBuilder()
            .setContainerId(c.getId()).build());
        out.add(fromCri(r.getStatus(), c.getPodSandboxId()));
      } catch (StatusRuntimeException e) {
        if (!CriErrors.notFound(e)) {
          throw CriErrors.translate("container " + c.getId(), e);
        }
      }
    }
    out.sort(Comparator.comparing(RuntimeContainer::createdAt));
    return out;
  }

  /** Runs a command in a running container and waits for it (CRI ExecSync). */
  @Override
  public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
    try {
      Cri.ExecSyncResponse r = client.runtime(timeout.isZero() ? Duration.ofDays(1) : timeout.plus(STOP_MARGIN))
          .execSync(Cri.ExecSyncRequest.newBuilder().setContainerId(containerId).addAllCmd(command)
              .setTimeout(timeout.toSeconds()).build());
      return new ExecResult(r.getExitCode(), r.getStdout().toByteArray(), r.getStderr().toByteArray());
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("container " + containerId, e);
    }
  }

  @Override
  public List<ContainerUsage> containerUsage() {
    List<Cri.ContainerStats> stats;
    try {
      stats = client.runtime().listContainerStats(Cri.ListContainerStatsRequest.getDefaultInstance()).getStatsList();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("container stats", e);
    }
    List<ContainerUsage> usage = new ArrayList<>(stats.size());
    for (Cri.ContainerStats s : stats) {
      // containerd stamps CPU and memory separately; the CPU stamp is what a rate is taken over.
      long nanos = s.getCpu().getTimestamp() != 0 ? s.getCpu().getTimestamp() : s.getMemory().getTimestamp();
      usage.add(new ContainerUsage(s.getAttributes().getId(),
          Instant.ofEpochSecond(0, nanos), s.getCpu().getUsageCoreNanoSeconds().getValue(),
          s.getMemory().getWorkingSetBytes().getValue()));
    }
    return usage;
  }

  @Override
  public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
    return relister.subscribe(listener);
  }

  @Override
  public void observeRelists(java.util.function.LongConsumer durationNanos) {
    relister.observeRelists(durationNanos);
  }

  /** Stops relisting and closes the connection; containers keep running in the runtime. */
  @Override
  public void close() {
    relister.close();
    client.close();
  }

  // ---- mapping between the runtime interface and CRI

  private List<Cri.Container> listCri(Map<String, String> labelSelector) {
    try {
      return client.runtime().listContainers(Cri.ListContainersRequest.newBuilder()
          .setFilter(Cri.ContainerFilter.newBuilder().putAllLabelSelector(selector(labelSelector))).build())
          .getContainersList().stream()
          // Only ours: the agent stops and removes what it lists, and must not touch other clients' containers.
          .filter(c -> c.containsAnnotations(ANNOTATION_LOG_PATH))
          .toList();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("containers", e);
    }
  }

  /** One ListContainers call: enough for the relister, which only needs ids, states and labels. */
  private List<CriEventRelister.Observed> listContainerStates() {
    return listCri(Map.of()).stream()
        .map(c -> new CriEventRelister.Observed(c.getId(), c.getPodSandboxId(), state(c.getState()),
            Map.copyOf(c.getLabelsMap())))
        .toList();
  }

  private String sandboxIdOf(String containerId, Cri.ContainerStatusResponse r) {
    // ContainerStatus does not carry the sandbox id; containerd's verbose info would, but a
    // filtered list is cheaper and stable across versions.
    List<Cri.Container> match;
    try {
      match = client.runtime().listContainers(Cri.ListContainersRequest.newBuilder()
          .setFilter(Cri.ContainerFilter.newBuilder().setId(containerId)).build()).getContainersList();
    } catch (StatusRuntimeException e) {
      throw CriErrors.translate("container " + containerId, e);
    }
    return match.isEmpty() ? "" : match.get(0).getPodSandboxId();
  }

  static Cri.PodSandboxConfig toCri(PodSandboxConfig c) {
    Cri.NamespaceOption namespaces = namespaces(c.hostNetwork());
    Cri.PodSandboxConfig.Builder b = Cri.PodSandboxConfig.newBuilder()
        .setMetadata(Cri.PodSandboxMetadata.newBuilder().setName(c.name()).setNamespace(c.namespace())
            .setUid(c.uid()).setAttempt(c.attempt()))
        // runc cannot set a hostname without its own UTS namespace, which host-network pods lack.
        .setHostname(c.hostNetwork() ? "" : c.hostname())
        .setLogDirectory(c.logDirectory().toString())
        .putAllLabels(c.labels())
        .putAllAnnotations(c.annotations())
        .putAnnotations(ANNOTATION_HOSTNAME, c.hostname())
        .putAnnotations(ANNOTATION_LOG_DIRECTORY, c.logDirectory().toString())
        .putAnnotations(ANNOTATION_HOST_NETWORK, Boolean.toString(c.hostNetwork()))
        .setLinux(Cri.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
            Cri.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces)));
    if (!c.hostNetwork()) {
      for (PortMapping p : c.portMappings()) {
        b.addPortMappings(Cri.PortMapping.newBuilder().setProtocol(Cri.Protocol.valueOf(p.protocol()))
            .setContainerPort(p.containerPort()).setHostPort(p.hostPort()).setHostIp(p.hostIp()));
      }
    }
    return b.build();
  }

  static PodSandboxConfig fromCri(Cri.PodSandboxMetadata m, Map<String, String> labels,
      Map<String, String> annotations) {
    String logDirectory = annotations.getOrDefault(ANNOTATION_LOG_DIRECTORY, "/");
    return new PodSandboxConfig(m.getName(), m.getNamespace(), m.getUid(), m.getAttempt(),
        annotations.getOrDefault(ANNOTATION_HOSTNAME, ""), Path.of(logDirectory),
        Boolean.parseBoolean(annotations.get(ANNOTATION_HOST_NETWORK)), labels, withoutOwn(annotations));
  }

  static Cri.ContainerConfig toCri(ContainerConfig c, PodSandboxConfig sandbox) {
    Cri.ContainerConfig.Builder b = Cri.ContainerConfig.newBuilder()
        .setMetadata(Cri.ContainerMetadata.newBuilder().setName(c.name()).setAttempt(c.attempt()))
        .setImage(Cri.ImageSpec.newBuilder().setImage(c.image()))
        .addAllCommand(c.command())
        .addAllArgs(c.args())
        .setWorkingDir(c.workingDir())
        .putAllLabels(c.labels())
        .putAllAnnotations(c.annotations())
        .putAnnotations(ANNOTATION_LOG_PATH, c.logPath().toString())
        .setLogPath(c.logPath().toString())
        .setLinux(Cri.LinuxContainerConfig.newBuilder()
            .setResources(CriResources.toCri(c.resources()))
            .setSecurityContext(Cri.LinuxContainerSecurityContext.newBuilder()
                .setNamespaceOptions(namespaces(sandbox.hostNetwork()))));
    for (ContainerConfig.EnvVar v : c.env()) {
      b.addEnvs(Cri.KeyValue.newBuilder().setKey(v.name()).setValue(v.value()));
    }
    for (Mount m : c.mounts()) {
      b.addMounts(Cri.Mount.newBuilder().setHostPath(m.hostPath().toString()).setContainerPath(m.containerPath())
          .setReadonly(m.readOnly()));
    }
    return b.build();
  }

  static RuntimeContainer fromCri(Cri.ContainerStatus s, String sandboxId) {
    Map<String, String> annotations = s.getAnnotationsMap();
    Path logPath = Path.of(s.getLogPath().isEmpty() ? "/dev/null" : s.getLogPath());
    String relativeLog = annotations.getOrDefault(ANNOTATION_LOG_PATH,
        logPath.getFileName() == null ? "unknown.log" : logPath.getFileName().toString());
    ContainerConfig config = new ContainerConfig(s.getMetadata().getName(), s.getMetadata().getAttempt(),
        s.getImage().getImage(), List.of(), List.of(), "", List.of(), Path.of(relativeLog), s.getLabelsMap(),
        withoutOwn(annotations));
    ContainerState state = state(s.getState());
    String reason = s.getReason();
    if (state == ContainerState.EXITED && reason.isEmpty()) {
      reason = s.getExitCode() == 0 ? RuntimeContainer.REASON_COMPLETED : RuntimeContainer.REASON_ERROR;
    }
    return new RuntimeContainer(s.getId(), sandboxId, config, state, instant(s.getCreatedAt()),
        optionalInstant(s.getStartedAt()), optionalInstant(s.getFinishedAt()), s.getExitCode(), reason,
        s.getMessage(), logPath);
  }

  private static Cri.NamespaceOption namespaces(boolean hostNetwork) {
    // As kubelet: the pod shares network and IPC; each container has its own PID namespace.
    return Cri.NamespaceOption.newBuilder()
        .setNetwork(hostNetwork ? Cri.NamespaceMode.NODE : Cri.NamespaceMode.POD)
        .setPid(Cri.NamespaceMode.CONTAINER)
        .setIpc(Cri.NamespaceMode.POD)
        .build();
  }

  static ContainerState state(Cri.ContainerState s) {
    switch (s) {
      case CONTAINER_CREATED:
        return ContainerState.CREATED;
      case CONTAINER_RUNNING:
        return ContainerState.RUNNING;
      case CONTAINER_EXITED:
        return ContainerState.EXITED;
      default:
        return ContainerState.UNKNOWN;
    }
  }

  private static Map<String, String> selector(Map<String, String> labelSelector) {
    return labelSelector == null ? Map.of() : labelSelector;
  }

  private static Map<String, String> withoutOwn(Map<String, String> annotations) {
    Map<String, String> out = new HashMap<>(annotations);
    out.keySet().removeIf(k -> k.startsWith(OWN_PREFIX));
    return out;
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(0, nanos);
  }

  private static Instant optionalInstant(long nanos) {
    return nanos == 0 ? null : instant(nanos);
  }
}

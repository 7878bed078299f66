package dev.capstan.agent.runtime.podman;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.PortMapping;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.agent.runtime.SandboxState;
import dev.capstan.agent.runtime.containerd.PauseImage;
import dev.capstan.agent.runtime.cri.CriEventRelister;
import dev.capstan.agent.runtime.cri.CriResources;
import dev.capstan.cri.v1.Cri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Podman runtime: {@link ContainerRuntime} mapped onto Podman's libpod REST API
 * ({@link PodmanClient}).
 *
 * <ul>
 *   <li>A sandbox is a libpod pod whose infra container runs Capstan's pause image
 *       ({@link PauseImage}, loaded by {@link PodmanService#ensurePauseImage}); the pod's
 *       containers share its network, IPC and UTS namespaces. Its IP is the infra container's on
 *       the pod network of the Podman instance; a host-network pod reports the node's IP.
 *       Published ports (hostPort) become the pod's port mappings.
 *   <li>A container is a libpod container in that pod. The pod spec's command and args become the
 *       entrypoint and command (so the image's defaults are overridden as in Kubernetes); CPU and
 *       memory become cgroup shares, quota and memory limit with kubelet's arithmetic
 *       ({@link CriResources}), swap off so that a container over its limit is OOM-killed. Its
 *       output goes through Podman's {@code k8s-file} log driver to
 *       {@code logDirectory/logPath}, which writes CRI log format (timestamps with a
 *       {@code +00:00} offset rather than {@code Z}, equally RFC 3339).
 *   <li>What the interface needs back but libpod does not store (namespace, uid, attempt, log
 *       directory, annotations, relative log path) travels as JSON in one label under
 *       {@code capstan.dev/podman-}, removed again before labels are returned; so a new instance
 *       reads back every pod it finds, and listings hold only pods and containers a PodmanRuntime
 *       made, leaving other users' Podman containers alone.
 *   <li>Lifecycle events come from relisting containers every {@code relistPeriod}, as for
 *       containerd ({@link CriEventRelister}).
 * </ul>
 *
 * <p>State lives in Podman, not here: pods outlive this object, the agent and the Podman service
 * (conmon keeps each container), and {@link #close()} only closes the connection.
 */
public final class PodmanRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(PodmanRuntime.class);

  static final String LABEL_SANDBOX = "capstan.dev/podman-sandbox";
  static final String LABEL_CONTAINER = "capstan.dev/podman-container";
  private static final String NO_TIME = "0001-01-01T00:00:00Z";
  /** Creating a pod may first set up the network; starting it runs the infra container. */
  private static final Duration SANDBOX_TIMEOUT = Duration.ofMinutes(2);
  /** What a stop may take beyond the grace period: the kill and conmon's cleanup. */
  private static final Duration STOP_MARGIN = Duration.ofSeconds(30);
  /** How long after an exec's output ended its exit code may take to be recorded. */
  private static final Duration EXEC_EXIT_WAIT = Duration.ofSeconds(10);

  /** As containerd reports a container that could not start. */
  private static final int START_ERROR_EXIT_CODE = 128;

  private final PodmanClient client;
  /** Why starting a container failed, by id: Podman leaves such a container "created". */
  private final Map<String, String> startFailures = new java.util.concurrent.ConcurrentHashMap<>();
  private final PodmanImages images;
  private final String hostIp;
  private final CriEventRelister relister;
  private volatile RuntimeVersion version;

  /**
   * @param client the connection to Podman; this runtime closes it
   * @param hostIp the node's IP, reported as the IP of host-network pods
   * @param clock the source of event timestamps
   * @param relistPeriod how often containers are relisted for lifecycle events
   */
  public PodmanRuntime(PodmanClient client, String hostIp, Clock clock, Duration relistPeriod) {
    if (hostIp == null || hostIp.isEmpty()) {
      throw new IllegalArgumentException("hostIp: required");
    }
    this.client = client;
    this.images = new PodmanImages(client);
    this.hostIp = hostIp;
    this.relister = new CriEventRelister(this::observe, clock, relistPeriod);
  }

  public PodmanRuntime(PodmanClient client, String hostIp, Clock clock) {
    this(client, hostIp, clock, Duration.ofSeconds(1));
  }

  /** The image side of the runtime. */
  public PodmanImages images() {
    return images;
  }

  @Override
  public RuntimeVersion version() {
    RuntimeVersion v = version;
    if (v == null) {
      JsonNode r = client.get("podman version", "/version");
      String apiVersion = r.path("ApiVersion").asText("");
      for (JsonNode c : r.path("Components")) {
        if (c.path("Name").asText().equals("Podman Engine")) {
          apiVersion = c.path("Details").path("APIVersion").asText(apiVersion);
        }
      }
      v = new RuntimeVersion("podman", r.path("Version").asText("unknown"), "libpod/" + apiVersion);
      version = v;
    }
    return v;
  }

  @Override
  public Set<RuntimeFeature> features() {
    return EnumSet.of(RuntimeFeature.POD_IP, RuntimeFeature.ISOLATION, RuntimeFeature.IMAGES,
        RuntimeFeature.RESOURCE_LIMITS, RuntimeFeature.MOUNTS, RuntimeFeature.CONTAINER_EVENTS,
        RuntimeFeature.SURVIVES_AGENT_RESTART);
  }

  // ---- sandboxes

  @Override
  public PodSandbox runPodSandbox(PodSandboxConfig config) {
    String what = "pod " + config.namespace() + "/" + config.name();
    try {
      Files.createDirectories(config.logDirectory());
    } catch (IOException e) {
      throw new ContainerRuntimeException(what + ": cannot create log directory " + config.logDirectory() + ": " + e, e);
    }
    ObjectNode spec = PodmanClient.JSON.createObjectNode();
    spec.put("name", podName(config));
    ObjectNode labels = spec.putObject("labels");
    config.labels().forEach(labels::put);
    labels.put(LABEL_SANDBOX, SandboxRecord.of(config).toJson());
    if (!config.hostname().isEmpty()) {
      spec.put("hostname", config.hostname());
    }
    spec.put("infra_image", PauseImage.REFERENCE);
    spec.putArray("infra_command").add("/pause");
    if (config.hostNetwork()) {
      spec.putObject("netns").put("nsmode", "host");
    } else if (!config.portMappings().isEmpty()) {
      ArrayNode ports = spec.putArray("portmappings");
      for (PortMapping p : config.portMappings()) {
        ObjectNode port = ports.addObject();
        port.put("container_port", p.containerPort());
        port.put("host_port", p.hostPort());
        port.put("protocol", p.protocol().toLowerCase(Locale.ROOT));
        if (!p.hostIp().isEmpty()) {
          port.put("host_ip", p.hostIp());
        }
      }
    }
    String id = client.post(what + ": cannot create pod", "/pods/create", spec, SANDBOX_TIMEOUT).path("Id").asText();
    try {
      JsonNode report = client.post(what + ": cannot start pod", "/pods/" + id + "/start", null, SANDBOX_TIMEOUT);
      throwOnErrs(what + ": cannot start pod", report);
    } catch (ContainerRuntimeException e) {
      // A pod that cannot start is of no use; do not leave it behind for the next attempt to trip on.
      try {
        removePodSandbox(id);
      } catch (ContainerRuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return podSandboxStatus(id);
  }

  @Override
  public void stopPodSandbox(String sandboxId) {
    try {
      JsonNode report = client.post("pod sandbox " + sandboxId + ": cannot stop", "/pods/" + sandboxId + "/stop?t=0",
          null, SANDBOX_TIMEOUT);
      throwOnErrs("pod sandbox " + sandboxId + ": cannot stop", report);
    } catch (ContainerNotFoundException e) {
      // Gone already: stopped enough.
    }
  }

  @Override
  public void removePodSandbox(String sandboxId) {
    try {
      JsonNode report = client.delete("pod sandbox " + sandboxId + ": cannot remove", "/pods/" + sandboxId
          + "?force=true", SANDBOX_TIMEOUT);
      throwOnErrs("pod sandbox " + sandboxId + ": cannot remove", report);
    } catch (ContainerNotFoundException e) {
      // Removed already.
    }
  }

  @Override
  public PodSandbox podSandboxStatus(String sandboxId) {
    String what = "pod sandbox " + sandboxId;
    JsonNode pod = client.get(what, "/pods/" + sandboxId + "/json");
    SandboxRecord record = SandboxRecord.fromLabels(what, pod.path("Labels"));
    String infraId = pod.path("InfraContainerID").asText("");
    boolean ready = false;
    String ip = "";
    if (!infraId.isEmpty()) {
      try {
        JsonNode infra = client.get(what + " infra container", "/containers/" + infraId + "/json");
        ready = infra.path("State").path("Running").asBoolean(false);
        ip = ipOf(infra);
      } catch (ContainerNotFoundException e) {
        // Infra container gone: the sandbox is not ready.
      }
    }
    PodSandboxConfig config = record.toConfig(withoutOwn(pod.path("Labels")));
    if (config.hostNetwork()) {
      ip = hostIp;
    }
    return new PodSandbox(pod.path("Id").asText(sandboxId), config,
        ready ? SandboxState.READY : SandboxState.NOT_READY, instant(pod.path("Created").asText()), ip);
  }

  @Override
  public List<PodSandbox> listPodSandboxes(Map<String, String> labelSelector) {
    JsonNode pods = client.get("pod sandboxes", "/pods/json?filters="
        + PodmanClient.encode(filters(labelSelector, LABEL_SANDBOX)));
    List<PodSandbox> out = new ArrayList<>();
    for (JsonNode pod : pods) {
      String id = pod.path("Id").asText();
      try {
        out.add(podSandboxStatus(id));
      } catch (ContainerRuntimeException e) {
        // Removed between list and status: it is gone, so it is not listed.
        log.debug("pod {} vanished while listing: {}", id, e.getMessage());
      }
    }
    out.sort(Comparator.comparing(PodSandbox::createdAt));
    return out;
  }

  // ---- containers

  @Override
  public String createContainer(String sandboxId, ContainerConfig config) {
    PodSandbox sandbox = podSandboxStatus(sandboxId);
    PodSandboxConfig pod = sandbox.config();
    String what = "container \"" + config.name() + "\" of pod " + pod.namespace() + "/" + pod.name();
    if (!sandbox.ready()) {
      throw new ContainerRuntimeException(what + ": cannot create: pod sandbox " + sandboxId + " is not ready");
    }
    images.ensure(config.image(), config.pullPolicy());
    Path logFile = pod.logDirectory().resolve(config.logPath());
    try {
      Files.createDirectories(logFile.getParent());
    } catch (IOException e) {
      throw new ContainerRuntimeException(what + ": cannot create log directory " + logFile.getParent() + ": " + e, e);
    }
    ObjectNode spec = containerSpec(sandboxId, config, logFile);
    return client.post(what + ": cannot create", "/containers/create", spec, PodmanClient.DEFAULT_TIMEOUT)
        .path("Id").asText();
  }

  static ObjectNode containerSpec(String sandboxId, ContainerConfig config, Path logFile) {
    ObjectNode spec = PodmanClient.JSON.createObjectNode();
    spec.put("name", sandboxId.substring(0, Math.min(12, sandboxId.length())) + "_" + config.name() + "_"
        + config.attempt());
    spec.put("pod", sandboxId);
    spec.put("image", config.image());
    // Kubernetes' command replaces the image's entrypoint and args its cmd; an entrypoint given
    // alone also drops the image's cmd, in Podman as in Kubernetes.
    if (!config.command().isEmpty()) {
      config.command().forEach(spec.putArray("entrypoint")::add);
    }
    if (!config.args().isEmpty()) {
      config.args().forEach(spec.putArray("command")::add);
    }
    if (!config.workingDir().isEmpty()) {
      spec.put("work_dir", config.workingDir());
    }
    ObjectNode env = spec.putObject("env");
    config.env().forEach(v -> env.put(v.name(), v.value()));
    ObjectNode labels = spec.putObject("labels");
    config.labels().forEach(labels::put);
    labels.put(LABEL_CONTAINER, ContainerRecord.of(config).toJson());
    ObjectNode annotations = spec.putObject("annotations");
    config.annotations().forEach(annotations::put);
    ObjectNode logs = spec.putObject("log_configuration");
    logs.put("driver", "k8s-file");
    logs.put("path", logFile.toString());
    Cri.LinuxContainerResources r = CriResources.toCri(config.resources());
    ObjectNode limits = spec.putObject("resource_limits");
    ObjectNode cpu = limits.putObject("cpu");
    cpu.put("shares", r.getCpuShares());
    if (r.getCpuQuota() > 0) {
      cpu.put("quota", r.getCpuQuota());
      cpu.put("period", r.getCpuPeriod());
    }
    if (r.getMemoryLimitInBytes() > 0) {
      // Swap equal to the limit means no swap: over its limit, the container is OOM-killed, as in Kubernetes.
      limits.putObject("memory").put("limit", r.getMemoryLimitInBytes()).put("swap", r.getMemoryLimitInBytes());
    }
    if (!config.mounts().isEmpty()) {
      ArrayNode mounts = spec.putArray("mounts");
      for (Mount m : config.mounts()) {
        ObjectNode mount = mounts.addObject();
        mount.put("destination", m.containerPath());
        mount.put("source", m.hostPath().toString());
        mount.put("type", "bind");
        ArrayNode options = mount.putArray("options").add("rbind");
        if (m.readOnly()) {
          options.add("ro");
        }
      }
    }
    return spec;
  }

  @Override
  public void startContainer(String containerId) {
    // Podman would restart an exited container and shrug at a running one: the contract starts
    // only a created one.
    RuntimeContainer c = containerStatus(containerId);
    if (c.state() != ContainerState.CREATED) {
      throw new ContainerRuntimeException("container " + containerId + " is " + c.state().name().toLowerCase(Locale.ROOT)
          + ", not created: only a created container can be started");
    }
    try {
      client.post("container " + containerId + ": start failed", "/containers/" + containerId + "/start", null,
          PodmanClient.DEFAULT_TIMEOUT);
    } catch (ContainerNotFoundException e) {
      throw e;
    } catch (ContainerRuntimeException e) {
      startFailures.put(containerId, e.getMessage());
      throw e;
    }
  }

  @Override
  public void stopContainer(String containerId, Duration gracePeriod) {
    // Podman takes whole seconds; round up so that a container gets at least the grace it was promised.
    long seconds = (gracePeriod.toMillis() + 999) / 1000;
    try {
      client.post("container " + containerId + ": cannot stop", "/containers/" + containerId + "/stop?t=" + seconds,
          null, Duration.ofSeconds(seconds).plus(STOP_MARGIN));
    } catch (ContainerNotFoundException e) {
      // Gone already: stopped enough.
    }
  }

  @Override
  public void removeContainer(String containerId) {
    startFailures.remove(containerId);
    try {
      JsonNode reports = client.delete("container " + containerId + ": cannot remove", "/containers/" + containerId
          + "?force=true", STOP_MARGIN.multipliedBy(2));
      for (JsonNode report : reports) {
        String err = report.path("Err").asText("");
        if (!err.isEmpty() && !err.contains("no such container")) {
          throw new ContainerRuntimeException("container " + containerId + ": cannot remove: " + err);
        }
      }
    } catch (ContainerNotFoundException e) {
      // Removed already.
    }
  }

  @Override
  public RuntimeContainer containerStatus(String containerId) {
    String what = "container " + containerId;
    JsonNode c = client.get(what, "/containers/" + containerId + "/json");
    if (!c.path("Config").path("Labels").has(LABEL_CONTAINER)) {
      throw new ContainerNotFoundException(what + ": not a container of a Capstan pod");
    }
    RuntimeContainer r = fromInspect(c);
    String failure = startFailures.get(containerId);
    return failure != null && r.state() == ContainerState.CREATED ? asStartError(r, failure) : r;
  }

  /**
   * A container whose start failed, as CRI reports one: exited with 128 and StartError (Podman
   * leaves it "created").
   */
  static RuntimeContainer asStartError(RuntimeContainer r, String message) {
    return new RuntimeContainer(r.id(), r.sandboxId(), r.config(), ContainerState.EXITED, r.createdAt(), null,
        r.createdAt(), START_ERROR_EXIT_CODE, RuntimeContainer.REASON_START_ERROR, message, r.logPath());
  }

  @Override
  public List<RuntimeContainer> listContainers(Map<String, String> labelSelector) {
    List<RuntimeContainer> out = new ArrayList<>();
    for (JsonNode c : listOwn(labelSelector)) {
      String id = c.path("Id").asText();
      try {
        out.add(containerStatus(id));
      } catch (ContainerNotFoundException e) {
        log.debug("container {} vanished while listing", id);
      }
    }
    out.sort(Comparator.comparing(RuntimeContainer::createdAt));
    return out;
  }

  static RuntimeContainer fromInspect(JsonNode c) {
    JsonNode state = c.path("State");
    JsonNode labels = c.path("Config").path("Labels");
    String id = c.path("Id").asText();
    ContainerRecord record = ContainerRecord.fromLabels("container " + id, labels);
    ContainerConfig config = new ContainerConfig(record.name(), record.attempt(), c.path("ImageName").asText(""),
        List.of(), List.of(), c.path("Config").path("WorkingDir").asText(""), List.of(), Path.of(record.logPath()),
        withoutOwn(labels), record.annotations());
    ContainerState s = state(state.path("Status").asText(""));
    Instant startedAt = optionalInstant(state.path("StartedAt").asText(NO_TIME));
    int exitCode = state.path("ExitCode").asInt(0);
    String error = state.path("Error").asText("");
    String reason = "";
    if (s == ContainerState.EXITED) {
      if (state.path("OOMKilled").asBoolean(false)) {
        reason = RuntimeContainer.REASON_OOM_KILLED;
      } else if (!error.isEmpty() && startedAt == null) {
        reason = RuntimeContainer.REASON_START_ERROR;
      } else {
        reason = exitCode == 0 ? RuntimeContainer.REASON_COMPLETED : RuntimeContainer.REASON_ERROR;
      }
    }
    String logPath = c.path("HostConfig").path("LogConfig").path("Path").asText("");
    if (s == ContainerState.CREATED && !error.isEmpty()) {
      return asStartError(new RuntimeContainer(id, c.path("Pod").asText(""), config, s, instant(c.path("Created").asText()),
          null, null, exitCode, "", error, Path.of(logPath.isEmpty() ? "/dev/null" : logPath)), error);
    }
    Instant finishedAt = s == ContainerState.EXITED ? optionalInstant(state.path("FinishedAt").asText(NO_TIME)) : null;
    // Podman takes the start time after the process started and the finish time from conmon's exit
    // file, so a container that exits at once can report finishing a few milliseconds before it
    // started (seen: 4 ms). It cannot have: report it as finishing when it started.
    if (finishedAt != null && startedAt != null && finishedAt.isBefore(startedAt)) {
      finishedAt = startedAt;
    }
    return new RuntimeContainer(id, c.path("Pod").asText(""), config, s, instant(c.path("Created").asText()),
        startedAt, finishedAt, exitCode, reason, error, Path.of(logPath.isEmpty() ? "/dev/null" : logPath));
  }

  static ContainerState state(String podmanStatus) {
    switch (podmanStatus) {
      case "configured":
      case "created":
      case "initialized":
        return ContainerState.CREATED;
      case "running":
      case "paused":
      case "stopping":
        return ContainerState.RUNNING;
      case "exited":
      case "stopped":
        return ContainerState.EXITED;
      default:
        return ContainerState.UNKNOWN;
    }
  }

  // ---- exec

  @Override
  public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
    String what = "container " + containerId;
    ObjectNode create = PodmanClient.JSON.createObjectNode();
    command.forEach(create.putArray("Cmd")::add);
    create.put("AttachStdout", true);
    create.put("AttachStderr", true);
    String execId = client.post(what + ": cannot exec", "/containers/" + containerId + "/exec", create,
        PodmanClient.DEFAULT_TIMEOUT).path("Id").asText();
    ObjectNode start = PodmanClient.JSON.createObjectNode();
    start.put("Detach", false);
    start.put("Tty", false);
    ExecSession session = new ExecSession(client, what, execId);
    return session.run(start, timeout, EXEC_EXIT_WAIT);
  }

  // ---- events

  @Override
  public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
    return relister.subscribe(listener);
  }

  @Override
  public void observeRelists(java.util.function.LongConsumer durationNanos) {
    relister.observeRelists(durationNanos);
  }

  /** Stops relisting and closes the connection; pods keep running in Podman. */
  @Override
  public void close() {
    relister.close();
    client.close();
  }

  /** One list call: enough for the relister, which only needs ids, states and labels. */
  private List<CriEventRelister.Observed> observe() {
    List<CriEventRelister.Observed> out = new ArrayList<>();
    for (JsonNode c : listOwn(Map.of())) {
      out.add(new CriEventRelister.Observed(c.path("Id").asText(), c.path("Pod").asText(""),
          state(c.path("State").asText("")), withoutOwn(c.path("Labels"))));
    }
    return out;
  }

  /** Our containers (not infra containers, not other Podman users') as libpod lists them. */
  private JsonNode listOwn(Map<String, String> labelSelector) {
    return client.get("containers", "/containers/json?all=true&filters="
        + PodmanClient.encode(filters(labelSelector, LABEL_CONTAINER)));
  }

  // ---- mapping helpers

  private static String podName(PodSandboxConfig c) {
    // Unique per pod and attempt, and readable in `podman pod ps`.
    return c.namespace() + "_" + c.name() + "_" + c.uid() + "_" + c.attempt();
  }

  /** The filters JSON: every selector entry and the presence of our own label. */
  private static String filters(Map<String, String> labelSelector, String ownLabel) {
    ObjectNode filters = PodmanClient.JSON.createObjectNode();
    ArrayNode label = filters.putArray("label");
    if (labelSelector != null) {
      labelSelector.forEach((k, v) -> label.add(k + "=" + v));
    }
    label.add(ownLabel);
    return filters.toString();
  }

  private static String ipOf(JsonNode inspect) {
    JsonNode settings = inspect.path("NetworkSettings");
    String ip = settings.path("IPAddress").asText("");
    if (!ip.isEmpty()) {
      return ip;
    }
    for (JsonNode network : settings.path("Networks")) {
      ip = network.path("IPAddress").asText("");
      if (!ip.isEmpty()) {
        return ip;
      }
    }
    return "";
  }

  private static void throwOnErrs(String what, JsonNode report) {
    JsonNode errs = report.path("Errs");
    if (errs.isArray() && !errs.isEmpty()) {
      List<String> messages = new ArrayList<>();
      errs.forEach(e -> messages.add(e.isTextual() ? e.asText() : e.toString()));
      throw new ContainerRuntimeException(what + ": " + String.join("; ", messages));
    }
  }

  static Map<String, String> withoutOwn(JsonNode labels) {
    Map<String, String> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals(LABEL_SANDBOX) && !e.getKey().equals(LABEL_CONTAINER)) {
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private static Instant optionalInstant(String text) {
    if (text.isEmpty() || text.startsWith("0001-01-01")) {
      return null;
    }
    return instant(text);
  }

  /** What a sandbox was created from beyond its labels, kept in its {@link #LABEL_SANDBOX} label. */
  record SandboxRecord(String name, String namespace, String uid, int attempt, String hostname, String logDirectory,
      boolean hostNetwork, Map<String, String> annotations, List<Map<String, Object>> ports) {

    static SandboxRecord of(PodSandboxConfig c) {
      List<Map<String, Object>> ports = new ArrayList<>();
      for (PortMapping p : c.portMappings()) {
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("protocol", p.protocol());
        port.put("containerPort", p.containerPort());
        port.put("hostPort", p.hostPort());
        port.put("hostIp", p.hostIp());
        ports.add(port);
      }
      return new SandboxRecord(c.name(), c.namespace(), c.uid(), c.attempt(), c.hostname(),
          c.logDirectory().toString(), c.hostNetwork(), c.annotations(), ports);
    }

    static SandboxRecord fromLabels(String what, JsonNode labels) {
      String json = labels.path(LABEL_SANDBOX).asText("");
      if (json.isEmpty()) {
        throw new ContainerNotFoundException(what + ": not a Capstan pod sandbox");
      }
      try {
        return PodmanClient.JSON.readValue(json, SandboxRecord.class);
      } catch (JsonProcessingException e) {
        throw new ContainerRuntimeException(what + ": unreadable label " + LABEL_SANDBOX + ": " + e.getMessage(), e);
      }
    }

    String toJson() {
      return new String(PodmanClient.toJson(this), java.nio.charset.StandardCharsets.UTF_8);
    }

    PodSandboxConfig toConfig(Map<String, String> labels) {
      List<PortMapping> mappings = new ArrayList<>();
      for (Map<String, Object> p : ports == null ? List.<Map<String, Object>>of() : ports) {
        mappings.add(new PortMapping(String.valueOf(p.get("protocol")), ((Number) p.get("containerPort")).intValue(),
            ((Number) p.get("hostPort")).intValue(), String.valueOf(p.getOrDefault("hostIp", ""))));
      }
      return new PodSandboxConfig(name, namespace, uid, attempt, hostname, Path.of(logDirectory), hostNetwork, labels,
          annotations, mappings);
    }
  }

  /** What a container was created from beyond its labels, kept in its {@link #LABEL_CONTAINER} label. */
  record ContainerRecord(String name, int attempt, String logPath, Map<String, String> annotations) {

    static ContainerRecord of(ContainerConfig c) {
      return new ContainerRecord(c.name(), c.attempt(), c.logPath().toString(), c.annotations());
    }

    static ContainerRecord fromLabels(String what, JsonNode labels) {
      String json = labels.path(LABEL_CONTAINER).asText("");
      if (json.isEmpty()) {
        throw new ContainerNotFoundException(what + ": not a container of a Capstan pod");
      }
      try {
        return PodmanClient.JSON.readValue(json, ContainerRecord.class);
      } catch (JsonProcessingException e) {
        throw new ContainerRuntimeException(what + ": unreadable label " + LABEL_CONTAINER + ": " + e.getMessage(), e);
      }
    }

    String toJson() {
      return new String(PodmanClient.toJson(this), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}

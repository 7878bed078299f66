package dev.capstan.agent;

import dev.capstan.agent.metrics.AgentMetrics;
import dev.capstan.agent.node.HostInfo;
import dev.capstan.agent.node.NodeLeaseRenewer;
import dev.capstan.agent.node.NodePressure;
import dev.capstan.agent.node.NodeRegistrar;
import dev.capstan.agent.node.NodeStatusGenerator;
import dev.capstan.agent.node.NodeStatusReporter;
import dev.capstan.agent.pod.ApiPodStatusManager;
import dev.capstan.agent.pod.ContainerEnvironment;
import dev.capstan.agent.pod.PodEvents;
import dev.capstan.agent.pod.PodWorkers;
import dev.capstan.agent.prober.ContainerProbes;
import dev.capstan.agent.prober.ProbeScheduler;
import dev.capstan.agent.prober.Prober;
import dev.capstan.agent.pod.RestartBackOff;
import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.pod.RuntimePodSyncer;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.server.AgentServer;
import dev.capstan.agent.server.PodExec;
import dev.capstan.agent.server.RuntimeContainerLogs;
import dev.capstan.agent.stats.HostUsage;
import dev.capstan.agent.stats.UsageSampler;
import dev.capstan.agent.volume.PodVolumes;
import dev.capstan.agent.volume.ServiceAccountTokenManager;
import dev.capstan.api.core.v1.BoundObjectReference;
import dev.capstan.api.core.v1.TokenRequest;
import dev.capstan.api.core.v1.TokenRequestSpec;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.events.EventRecorder;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent (Capstan's kubelet). {@link #start()} serves the agent endpoint, registers the
 * Node, keeps its Lease and status fresh, and runs the pods bound to this node: it watches pods
 * with {@code spec.nodeName} = this node, runs one {@link PodWorkers} worker per pod, and syncs a
 * pod again whenever one of its containers exits. {@link #close()} stops all of that and stops
 * every container the agent's runtime holds (SIGTERM, SIGKILL after the shutdown grace period),
 * then removes their sandboxes, so that no process outlives the agent. Runtime calls, pod starts,
 * restarts and relists are reported to its {@link AgentMetrics}.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final CapstanClient client;
  private final Clock clock;
  /** The config's runtime, every call counted in {@link #metrics}. */
  private final ContainerRuntime runtime;
  private final AgentMetrics metrics;
  private final ExecutorService stopExecutor;
  private final ScheduledExecutorService nodeTasks;
  private static final int PROBE_THREADS = 4;
  private static final long USAGE_SAMPLE_SECONDS = 10;
  private final ScheduledExecutorService probeScheduler;
  private ContainerProbes probes;
  private PodWorkers workers;
  private AgentServer server;
  private SharedInformer<Pod> informer;
  private NodeLeaseRenewer leaseRenewer;
  private NodeStatusReporter statusReporter;
  private AutoCloseable runtimeEvents;
  private EventRecorder events;
  private Node node;
  private boolean started;
  private boolean closed;

  /** An agent whose metrics nothing serves. */
  public Agent(AgentConfig config, CapstanClient client, Clock clock) {
    this(config, client, clock, AgentMetrics.unserved());
  }

  public Agent(AgentConfig config, CapstanClient client, Clock clock, AgentMetrics metrics) {
    this.config = config;
    this.client = client;
    this.clock = clock;
    this.metrics = metrics;
    this.runtime = metrics.instrument(config.runtime());
    AtomicInteger n = new AtomicInteger();
    this.stopExecutor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "agent-stop-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.nodeTasks = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "agent-node-status");
      t.setDaemon(true);
      return t;
    });
    AtomicInteger p = new AtomicInteger();
    // Probes block for up to their timeout (an exec, an HTTP GET); a few threads keep one slow
    // probe from delaying every other.
    this.probeScheduler = Executors.newScheduledThreadPool(PROBE_THREADS, r -> {
      Thread t = new Thread(r, "agent-probe-" + p.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts everything; returns once the Node is registered and pods are being watched. If it
   * throws, call {@link #close()} to release what was already started.
   *
   * @throws StatusRuntimeException when the Node cannot be registered
   * @throws java.io.UncheckedIOException when the agent port cannot be bound
   */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException(closed ? "agent is closed" : "agent already started");
    }
    started = true;
    // Component "kubelet", as Kubernetes tools and users filter a node agent's Events by it.
    events = new EventRecorder(client, "kubelet", config.nodeName(), clock);
    PodEvents podEvents = (pod, type, reason, message) -> events.event(pod, type, reason, message);
    RestartBackOff backOff = new RestartBackOff(clock, config.initialBackOff(), config.maxBackOff(), config.backOffReset());
    RuntimePodSyncer syncer = new RuntimePodSyncer(runtime, new ApiPodStatusManager(client.pods()),
        new ContainerEnvironment(this::configMap, this::secret),
        new PodVolumes(config.podVolumeRoot(), this::configMap, this::secret,
            new ServiceAccountTokenManager(this::serviceAccountToken, clock), PodVolumes.runningAsRoot()),
        backOff, clock, config.podLogRoot(), config.advertiseAddress(), stopExecutor,
        probes = new ContainerProbes(new Prober(runtime), ProbeScheduler.on(probeScheduler), this::resyncPod, podEvents),
        podEvents, metrics);
    metrics.countFrom(config.runtime());
    workers = new PodWorkers(syncer, clock, config.resyncInterval());
    UsageSampler usage = new UsageSampler(runtime, HostUsage.system(), clock, config.nodeName());
    server = AgentServer.start(config.advertiseAddress(), config.port(), new RuntimeContainerLogs(workers::pod, runtime),
        new PodExec(workers::pod, runtime), usage::stats, config.tls());

    NodeStatusGenerator statusGenerator = new NodeStatusGenerator(config.nodeName(), HostInfo.detect(),
        config.advertiseAddress(), server.port(), runtime.version(),
        new NodePressure(Path.of("/proc/meminfo"), config.dataDir()));
    node = new NodeRegistrar(client.nodes(), config.nodeName(), statusGenerator, clock).register();
    log.info("node {} registered; agent listening on {}:{}", config.nodeName(), config.advertiseAddress(), server.port());
    leaseRenewer = new NodeLeaseRenewer(client.leases(), config.nodeName(), clock, config.leaseRenewInterval());
    leaseRenewer.setOwner(node);
    leaseRenewer.start(nodeTasks);
    statusReporter = new NodeStatusReporter(client.nodes(), config.nodeName(), statusGenerator, clock,
        config.nodeStatusInterval());
    statusReporter.start(nodeTasks);
    // A base for CPU rates, so that nodes/stats can answer at once.
    nodeTasks.scheduleWithFixedDelay(() -> {
      try {
        usage.sample();
      } catch (RuntimeException e) {
        log.debug("usage sample failed: {}", e.toString());
      }
    }, 0, USAGE_SAMPLE_SECONDS, TimeUnit.SECONDS);

    runtimeEvents = runtime.subscribe(this::onContainerEvent);
    workers.adoptRunningPods();
    informer = new SharedInformer<>(client.pods(),
        ListRequest.newBuilder().setFieldSelector("spec.nodeName=" + config.nodeName()).build(), Duration.ZERO, clock);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        if (boundHere(pod)) {
          workers.updatePod(pod);
        }
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
        if (boundHere(newPod)) {
          workers.updatePod(newPod);
        }
      }

      @Override
      public void onDelete(Pod pod) {
        if (boundHere(pod)) {
          workers.removePod(pod);
        }
      }
    });
    informer.start();
  }

  /** A probe result changed: sync the pod so its status and containers follow. */
  private void resyncPod(String uid) {
    PodWorkers w = workers;
    if (w != null) {
      w.syncPod(uid);
    }
  }

  /** The port the agent endpoint listens on. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("agent not started");
    }
    return server.port();
  }

  /** The Node as registered at start. */
  public synchronized Node node() {
    return node;
  }

  /** Pods the agent currently runs or tears down. */
  public List<Pod> pods() {
    PodWorkers w = workers;
    return w == null ? List.of() : w.pods();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    metrics.stopCounting(config.runtime());
    closeQuietly(informer);
    closeQuietly(runtimeEvents);
    closeQuietly(leaseRenewer);
    closeQuietly(statusReporter);
    nodeTasks.shutdownNow();
    closeQuietly(probes);
    probeScheduler.shutdownNow();
    closeQuietly(workers);
    if (config.stopPodsOnClose()) {
      stopAllContainers();
    }
    closeQuietly(server);
    stopExecutor.shutdownNow();
    // Last: the stops above record Events too.
    closeQuietly(events);
  }

  private void onContainerEvent(ContainerEvent event) {
    if (event.type() == ContainerEvent.Type.STOPPED) {
      String uid = event.labels().get(RuntimeLabels.POD_UID);
      if (uid != null && workers != null) {
        workers.syncPod(uid);
      }
    }
  }

  private boolean boundHere(Pod pod) {
    return pod.getSpec().getNodeName().equals(config.nodeName());
  }

  private Optional<ConfigMap> configMap(String namespace, String name) {
    try {
      return Optional.of(client.configMaps().get(namespace, name));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** A token for the pod's ServiceAccount bound to the pod; NodeRestriction lets a node have only these. */
  private ServiceAccountTokenManager.Token serviceAccountToken(Pod pod, String audience, long expirationSeconds) {
    TokenRequestSpec.Builder spec = TokenRequestSpec.newBuilder().setExpirationSeconds(expirationSeconds)
        .setBoundObjectRef(BoundObjectReference.newBuilder().setKind("Pod").setApiVersion("v1")
            .setName(pod.getMetadata().getName()).setUid(pod.getMetadata().getUid()));
    if (!audience.isEmpty()) {
      spec.addAudiences(audience);
    }
    TokenRequest reply = client.serviceAccounts().call("CreateToken", TokenRequest.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(pod.getMetadata().getNamespace())
            .setName(pod.getSpec().getServiceAccountName()))
        .setSpec(spec).build());
    return new ServiceAccountTokenManager.Token(reply.getStatus().getToken(),
        ProtoTimestamps.toInstant(reply.getStatus().getExpirationTimestamp()));
  }

  private Optional<Secret> secret(String namespace, String name) {
    try {
      return Optional.of(client.secrets().get(namespace, name));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Stops every container of an agent pod in parallel within the shutdown grace, then removes the sandboxes. */
  private void stopAllContainers() {
    try {
      List<RuntimeContainer> running = runtime.listContainers(Map.of()).stream()
          .filter(c -> c.labels().containsKey(RuntimeLabels.POD_UID) && c.state() == ContainerState.RUNNING)
          .toList();
      CompletableFuture.allOf(running.stream()
          .map(c -> CompletableFuture.runAsync(() -> runtime.stopContainer(c.id(), config.shutdownGracePeriod()), stopExecutor))
          .toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
      for (PodSandbox s : runtime.listPodSandboxes(Map.of())) {
        if (s.labels().containsKey(RuntimeLabels.POD_UID)) {
          runtime.removePodSandbox(s.id());
        }
      }
    } catch (RuntimeException e) {
      log.warn("stopping containers on shutdown failed: {}", e.toString());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing {} failed: {}", c, e.toString());
    }
  }
}

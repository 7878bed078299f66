package dev.capstan.agent.runtime.process;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.LogStream;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.agent.runtime.SandboxState;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain-process runtime: no isolation, like Nomad's raw_exec. Meant for development and for
 * hosts without a container runtime.
 *
 * <ul>
 *   <li>A sandbox is a directory {@code <stateDir>/sandboxes/<id>}; the pod shares the node's network,
 *       so its IP is the node's ({@link #features()} has neither {@code POD_IP} nor {@code ISOLATION}).
 *   <li>A container is {@code command + args} run as a host process; {@code command[0]} is looked up
 *       on the container's PATH (the agent's PATH unless the container sets one). It runs in
 *       {@code workingDir}, or the sandbox directory when none is given. Its environment is PATH,
 *       HOSTNAME (the sandbox's hostname) and the container's variables; nothing else is inherited.
 *   <li>Images are ignored: a container must have a command.
 *   <li>Volumes cannot be mounted ({@link #features()} has no {@code MOUNTS}): a process sees the
 *       node's filesystem, and there is no mount namespace to place a volume at its mountPath.
 *   <li>Each process is started through {@code setsid}, so it leads its own session; stopping a
 *       container signals the process, its descendants and every process left in its session, and
 *       when the main process exits, whatever it left behind in its session is killed, as in a
 *       container whose init process dies.
 *   <li>stdout and stderr go to the container's log file in CRI format; the exit code is the
 *       process' (killed by signal N: 128+N).
 * </ul>
 *
 * <p>State lives in memory: a new instance knows no containers. {@link #close()} kills every
 * container still running, and a JVM shutdown hook does the same if the agent exits without
 * closing, so that no process outlives the agent.
 */
public final class ProcessRuntime implements ContainerRuntime {
  public static final RuntimeVersion VERSION = new RuntimeVersion("process", "1.0", "v1");

  private static final Logger log = LoggerFactory.getLogger(ProcessRuntime.class);
  private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final long LOG_DRAIN_MILLIS = 5_000;

  private final Path stateDir;
  private final String hostIp;
  private final Clock clock;
  private final Random random;
  private final String hostPath;
  private final Optional<Path> setsid;
  private final Map<String, ProcessSandbox> sandboxes = new ConcurrentHashMap<>();
  private final Map<String, ProcessContainer> containers = new ConcurrentHashMap<>();
  private final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService exitHandlers;
  private final Thread shutdownHook;

  /**
   * @param stateDir where sandbox directories are created
   * @param hostIp the node's IP, reported as every pod's IP
   * @param clock the source of every timestamp (log lines, start and finish times)
   */
  public ProcessRuntime(Path stateDir, String hostIp, Clock clock) {
    this(stateDir, hostIp, clock, new SecureRandom());
  }

  public ProcessRuntime(Path stateDir, String hostIp, Clock clock, Random random) {
    if (hostIp == null || hostIp.isEmpty()) {
      throw new IllegalArgumentException("hostIp: required");
    }
    this.stateDir = stateDir.toAbsolutePath();
    this.hostIp = hostIp;
    this.clock = clock;
    this.random = random;
    String path = System.getenv("PATH");
    this.hostPath = path == null || path.isEmpty() ? DEFAULT_PATH : path;
    Optional<Path> found;
    try {
      found = Optional.of(ExecutableLookup.resolve("setsid", hostPath, this.stateDir));
    } catch (ContainerRuntimeException e) {
      log.warn("setsid not found on PATH: container processes share the agent's session");
      found = Optional.empty();
    }
    this.setsid = found;
    this.exitHandlers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "process-runtime-exit");
      t.setDaemon(true);
      return t;
    });
    this.shutdownHook = new Thread(this::killAllNow, "process-runtime-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  @Override
  public RuntimeVersion version() {
    return VERSION;
  }

  @Override
  public Set<RuntimeFeature> features() {
    return EnumSet.of(RuntimeFeature.CONTAINER_EVENTS);
  }

  @Override
  public PodSandbox runPodSandbox(PodSandboxConfig config) {
    String id = newId();
    Path dir = stateDir.resolve("sandboxes").resolve(id);
    try {
      Files.createDirectories(dir);
      Files.createDirectories(config.logDirectory());
    } catch (IOException e) {
      throw new ContainerRuntimeException("pod " + config.namespace() + "/" + config.name()
          + ": cannot create sandbox directory " + dir + ": " + e, e);
    }
    ProcessSandbox sandbox = new ProcessSandbox(id, config, dir, clock.instant(), hostIp);
    sandboxes.put(id, sandbox);
    return sandbox.snapshot();
  }

  @Override
  public void stopPodSandbox(String sandboxId) {
    ProcessSandbox sandbox = sandboxes.get(sandboxId);
    if (sandbox == null) {
      return;
    }
    for (ProcessContainer c : containersOf(sandboxId)) {
      stopContainer(c.id, Duration.ZERO);
    }
    sandbox.markNotReady();
  }

  @Override
  public void removePodSandbox(String sandboxId) {
    ProcessSandbox sandbox = sandboxes.get(sandboxId);
    if (sandbox == null) {
      return;
    }
    stopPodSandbox(sandboxId);
    for (ProcessContainer c : containersOf(sandboxId)) {
      removeContainer(c.id);
    }
    sandboxes.remove(sandboxId);
    deleteRecursively(sandbox.directory);
  }

  @Override
  public PodSandbox podSandboxStatus(String sandboxId) {
    return sandbox(sandboxId).snapshot();
  }

  @Override
  public List<PodSandbox> listPodSandboxes(Map<String, String> labelSelector) {
    return sandboxes.values().stream()
        .map(ProcessSandbox::snapshot)
        .filter(s -> matches(s.labels(), labelSelector))
        .sorted(Comparator.comparing(PodSandbox::createdAt))
        .toList();
  }

  @Override
  public String createContainer(String sandboxId, ContainerConfig config) {
    ProcessSandbox sandbox = sandbox(sandboxId);
    String what = "container \"" + config.name() + "\" of pod " + sandbox.config.namespace() + "/"
        + sandbox.config.name();
    if (sandbox.state() != SandboxState.READY) {
      throw new ContainerRuntimeException(what + ": sandbox " + sandboxId + " is not ready");
    }
    if (config.command().isEmpty() && config.args().isEmpty()) {
      throw new ContainerRuntimeException(what + ": command is required (the process runtime ignores images)");
    }
    if (!config.mounts().isEmpty()) {
      throw new ContainerRuntimeException(what + ": the process runtime cannot mount volumes (processes share the"
          + " node's filesystem; no mount namespaces), asked for " + config.mounts().get(0).containerPath());
    }
    Path workingDir = config.workingDir().isEmpty() ? sandbox.directory : sandbox.directory.resolve(config.workingDir());
    if (!Files.isDirectory(workingDir)) {
      throw new ContainerRuntimeException(what + ": working directory " + workingDir + " does not exist");
    }
    Path logDir = sandbox.config.logDirectory();
    Path logPath = logDir.resolve(config.logPath()).normalize();
    if (!logPath.startsWith(logDir)) {
      throw new ContainerRuntimeException(what + ": logPath " + config.logPath() + " leaves the log directory");
    }
    ProcessContainer c = new ProcessContainer(newId(), sandboxId, config, logPath, workingDir, clock.instant());
    containers.put(c.id, c);
    fire(c, ContainerEvent.Type.CREATED);
    return c.id;
  }

  @Override
  public void startContainer(String containerId) {
    ProcessContainer c = container(containerId);
    synchronized (c) {
      if (c.state() != ContainerState.CREATED) {
        throw new ContainerRuntimeException("container " + containerId + " is " + c.state() + ", not CREATED");
      }
      Map<String, String> env = environment(c);
      List<String> argv = new ArrayList<>(c.config.command());
      argv.addAll(c.config.args());
      Process process;
      CriLogWriter writer = null;
      try {
        Path executable = ExecutableLookup.resolve(argv.get(0), env.get("PATH"), c.workingDir);
        argv.set(0, executable.toString());
        setsid.ifPresent(s -> argv.add(0, s.toString()));
        writer = new CriLogWriter(c.logPath);
        ProcessBuilder builder = new ProcessBuilder(argv)
            .directory(c.workingDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(env);
        process = builder.start();
      } catch (ContainerRuntimeException | IOException e) {
        if (writer != null) {
          writer.close();
        }
        String message = e.getMessage();
        // As with runc: a container that cannot start is EXITED with 128 and reason StartError.
        c.markExited(128, RuntimeContainer.REASON_START_ERROR, message, clock.instant());
        c.exited.complete(null);
        fire(c, ContainerEvent.Type.STOPPED);
        throw new ContainerRuntimeException("container \"" + c.config.name() + "\" (" + containerId
            + "): start failed: " + message, e);
      }
      List<Thread> pumps = List.of(
          pump(c, process.getInputStream(), LogStream.STDOUT, writer),
          pump(c, process.getErrorStream(), LogStream.STDERR, writer));
      c.markRunning(process, new ProcessSession(process.toHandle()), writer, pumps, clock.instant());
      process.onExit().thenRunAsync(() -> handleExit(c), exitHandlers);
    }
    fire(c, ContainerEvent.Type.STARTED);
  }

  @Override
  public void stopContainer(String containerId, Duration gracePeriod) {
    ProcessContainer c = containers.get(containerId);
    // Idempotent as in CRI: a container that is gone is as stopped as it gets.
    if (c == null || c.state() != ContainerState.RUNNING) {
      return;
    }
    ProcessSession session = c.session();
    boolean exited = false;
    if (gracePeriod.compareTo(Duration.ZERO) > 0) {
      session.terminate();
      exited = await(c.process().onExit(), gracePeriod);
    }
    if (!exited) {
      session.kill();
    }
    if (!await(c.exited, KILL_TIMEOUT)) {
      throw new ContainerRuntimeException("container " + containerId + " did not exit within "
          + KILL_TIMEOUT.toSeconds() + "s of SIGKILL");
    }
  }

  @Override
  public void removeContainer(String containerId) {
    ProcessContainer c = containers.get(containerId);
    if (c == null) {
      return;
    }
    stopContainer(containerId, Duration.ZERO);
    if (containers.remove(containerId) != null) {
      fire(c, ContainerEvent.Type.DELETED);
    }
  }

  /**
   * Runs the command as a host process beside the container's: same environment and working
   * directory (the process runtime has no namespaces to enter).
   */
  @Override
  public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
    ProcessContainer c = container(containerId);
    if (c.state() != ContainerState.RUNNING) {
      throw new ContainerRuntimeException("container " + containerId + " is " + c.state() + ", not RUNNING");
    }
    if (command.isEmpty()) {
      throw new ContainerRuntimeException("exec in container " + containerId + ": command is empty");
    }
    Map<String, String> env = environment(c);
    List<String> argv = new ArrayList<>(command);
    Process process;
    try {
      argv.set(0, ExecutableLookup.resolve(argv.get(0), env.get("PATH"), c.workingDir).toString());
      ProcessBuilder builder = new ProcessBuilder(argv).directory(c.workingDir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().clear();
      builder.environment().putAll(env);
      process = builder.start();
    } catch (IOException e) {
      throw new ContainerRuntimeException("exec in container " + containerId + ": " + e.getMessage(), e);
    }
    CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()), exitHandlers);
    CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()), exitHandlers);
    boolean finished = timeout.isZero() ? await(process.onExit(), Duration.ofDays(1)) : await(process.onExit(), timeout);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      await(process.onExit(), KILL_TIMEOUT);
    }
    return new ExecResult(finished ? process.exitValue() : ExecResult.TIMED_OUT, stdout.join(), stderr.join());
  }

  private static byte[] readAll(java.io.InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  @Override
  public RuntimeContainer containerStatus(String containerId) {
    return container(containerId).snapshot();
  }

  @Override
  public List<RuntimeContainer> listContainers(Map<String, String> labelSelector) {
    return containers.values().stream()
        .map(ProcessContainer::snapshot)
        .filter(c -> matches(c.labels(), labelSelector))
        .sorted(Comparator.comparing(RuntimeContainer::createdAt))
        .toList();
  }

  @Override
  public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The main process of a running container, for diagnostics; empty once it exited. */
  public Optional<ProcessHandle> processHandle(String containerId) {
    Process p = container(containerId).process();
    return p == null || !p.isAlive() ? Optional.empty() : Optional.of(p.toHandle());
  }

  /** Kills every container still running, then releases the runtime's threads. */
  @Override
  public void close() {
    for (ProcessContainer c : List.copyOf(containers.values())) {
      try {
        stopContainer(c.id, Duration.ZERO);
      } catch (RuntimeException e) {
        log.warn("cannot kill container {}: {}", c.id, e.toString());
      }
    }
    exitHandlers.shutdown();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs anyway.
    }
  }

  private void handleExit(ProcessContainer c) {
    Instant finishedAt = clock.instant();
    int code = c.process().exitValue();
    // Whatever the main process left behind dies with it, as in a container.
    c.session().kill();
    for (Thread pump : c.pumps()) {
      try {
        pump.join(LOG_DRAIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    c.logWriter().close();
    c.markExited(code, code == 0 ? RuntimeContainer.REASON_COMPLETED : RuntimeContainer.REASON_ERROR, "", finishedAt);
    c.exited.complete(null);
    fire(c, ContainerEvent.Type.STOPPED);
  }

  private Thread pump(ProcessContainer c, InputStream in, LogStream stream, CriLogWriter writer) {
    Thread t = new Thread(new CriLogPump(in, stream, writer, clock), "log-" + c.id.substring(0, 8) + "-" + stream.criName());
    t.setDaemon(true);
    t.start();
    return t;
  }

  private Map<String, String> environment(ProcessContainer c) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", hostPath);
    ProcessSandbox sandbox = sandboxes.get(c.sandboxId);
    if (sandbox != null && !sandbox.config.hostname().isEmpty()) {
      env.put("HOSTNAME", sandbox.config.hostname());
    }
    for (ContainerConfig.EnvVar v : c.config.env()) {
      env.put(v.name(), v.value());
    }
    return env;
  }

  private void killAllNow() {
    for (ProcessContainer c : containers.values()) {
      ProcessSession s = c.session();
      if (s != null && c.state() == ContainerState.RUNNING) {
        s.kill();
      }
    }
  }

  private void fire(ProcessContainer c, ContainerEvent.Type type) {
    ContainerEvent event = new ContainerEvent(c.id, c.sandboxId, type, c.config.labels(), clock.instant());
    for (Consumer<ContainerEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.warn("container event listener failed on {}", event, e);
      }
    }
  }

  private List<ProcessContainer> containersOf(String sandboxId) {
    return containers.values().stream().filter(c -> c.sandboxId.equals(sandboxId)).toList();
  }

  private ProcessSandbox sandbox(String id) {
    ProcessSandbox s = sandboxes.get(id);
    if (s == null) {
      throw new ContainerNotFoundException("pod sandbox " + id + " not found");
    }
    return s;
  }

  private ProcessContainer container(String id) {
    ProcessContainer c = containers.get(id);
    if (c == null) {
      throw new ContainerNotFoundException("container " + id + " not found");
    }
    return c;
  }

  private String newId() {
    byte[] bytes = new byte[16];
    synchronized (random) {
      random.nextBytes(bytes);
    }
    return HexFormat.of().formatHex(bytes);
  }

  private static boolean matches(Map<String, String> labels, Map<String, String> selector) {
    return selector == null || labels.entrySet().containsAll(selector.entrySet());
  }

  private static boolean await(Future<?> future, Duration timeout) {
    try {
      future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.warn("cannot delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", dir, e.toString());
    }
  }
}

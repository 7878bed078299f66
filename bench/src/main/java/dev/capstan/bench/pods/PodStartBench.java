package dev.capstan.bench.pods;

import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.client.config.ClientConfig;
import dev.capstan.client.manifest.ManifestCodec;
import dev.capstan.cri.v1.Cri;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Issue 4's pod start benchmark against a running {@code capstan up} on containerd: the time from
 * creating a 1-replica busybox Deployment to its pod's Ready condition (seen on a watch), and in
 * the same run the runtime's floor, the bare CRI pod start (RunPodSandbox + CreateContainer +
 * StartContainer) against the same containerd socket. Each measured run is preceded by nothing
 * but the previous run's cleanup; one warm-up run of each kind is not counted.
 *
 * <p>Usage: {@code PodStartBench --config CLIENT_CONFIG --containerd-socket SOCK --work DIR [--runs 20]}
 */
public final class PodStartBench {
  private static final String IMAGE = "docker.io/library/busybox:1.36";
  private static final String COMMAND = "trap 'exit 0' TERM; while true; do sleep 1; done";

  public static void main(String[] args) throws Exception {
    Path config = null;
    Path socket = null;
    Path work = null;
    int runs = 20;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--config" -> config = Path.of(args[i + 1]);
        case "--containerd-socket" -> socket = Path.of(args[i + 1]);
        case "--work" -> work = Path.of(args[i + 1]);
        case "--runs" -> runs = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (config == null || socket == null || work == null) {
      throw new IllegalArgumentException("usage: --config F --containerd-socket S --work DIR [--runs N]");
    }
    ClientConfig clientConfig = ClientConfig.load(config);
    ClientConfig.Context ctx = clientConfig.current();
    double[] loadBefore = loadAverage();
    List<Double> apply = new ArrayList<>();
    List<Double> cri = new ArrayList<>();
    try (CapstanClient client = CapstanClient.connect(clientConfig.servers().get(0), ctx.token(),
        clientConfig.tls());
         CriClient criClient = new CriClient(socket)) {
      // Alternate the two kinds, so that both see the same load over the run.
      for (int i = 0; i <= runs; i++) {
        double a = applyToReady(client, i);
        double c = bareCriStart(criClient, work, i);
        if (i > 0) {
          apply.add(a);
          cri.add(c);
        }
        System.err.printf(Locale.ROOT, "run %2d: apply->Ready %7.1f ms, bare CRI start %7.1f ms%s%n", i, a, c,
            i == 0 ? " (warm-up, not counted)" : "");
      }
    }
    double[] load = loadAverage();
    System.out.println("| measurement | runs | median | p99 | min | max |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    row("apply of a 1-replica Deployment -> pod Ready (watch)", apply);
    row("bare CRI pod start (RunPodSandbox + CreateContainer + StartContainer)", cri);
    System.out.printf(Locale.ROOT, "%nload average (1, 5, 15 min) before the run: %.2f %.2f %.2f, after: %.2f %.2f %.2f;"
        + " %d cores; p99 of 20 runs is their maximum (nearest rank)%n", loadBefore[0], loadBefore[1], loadBefore[2],
        load[0], load[1], load[2], Runtime.getRuntime().availableProcessors());
  }

  /** Creates the Deployment, waits on a watch for its pod's Ready=True, deletes it, waits until its pods are gone. */
  static double applyToReady(CapstanClient client, int run) throws Exception {
    String name = "bench-" + run;
    String yaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %s, namespace: default}
        spec:
          replicas: 1
          selector: {matchLabels: {bench: %s}}
          template:
            metadata: {labels: {bench: %s}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "%s"]
        """.formatted(name, name, name, COMMAND);
    Deployment deployment = (Deployment) new ManifestCodec().decode(yaml).get(0);
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch gone = new CountDownLatch(1);
    long[] readyAt = new long[1];
    String rv = client.pods().list("default").resourceVersion();
    java.util.Set<String> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (AutoCloseable watch = client.pods().watch(WatchRequest.newBuilder().setNamespace("default")
        .setLabelSelector("bench=" + name).setResourceVersion(rv).build(), new WatchHandler<>() {
          @Override
          public void onEvent(WatchEvent<Pod> e) {
            if (e.type().equals(WatchEvent.BOOKMARK)) {
              return;
            }
            String pod = e.object().getMetadata().getName();
            if (e.type().equals(WatchEvent.DELETED)) {
              live.remove(pod);
              if (live.isEmpty() && ready.getCount() == 0) {
                gone.countDown();
              }
              return;
            }
            live.add(pod);
            boolean isReady = e.object().getStatus().getConditionsList().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            if (isReady && ready.getCount() > 0) {
              readyAt[0] = System.nanoTime();
              ready.countDown();
            }
          }

          @Override
          public void onClose(Throwable error) {}
        })) {
      long start = System.nanoTime();
      client.deployments().create(deployment);
      if (!ready.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the pod of " + name + " was not Ready within 60 s");
      }
      double millis = (readyAt[0] - start) / 1e6;
      client.deployments().delete("default", name);
      if (!gone.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the pods of " + name + " were not gone within 120 s");
      }
      return millis;
    }
  }

  /** The runtime's floor: one busybox pod started directly through CRI, then removed. */
  static double bareCriStart(CriClient cri, Path work, int run) throws IOException {
    String uid = UUID.randomUUID().toString();
    Path logs = Files.createDirectories(work.resolve("cri-pods").resolve(uid));
    Cri.PodSandboxConfig sandbox = Cri.PodSandboxConfig.newBuilder()
        .setMetadata(Cri.PodSandboxMetadata.newBuilder().setName("bare-" + run).setNamespace("bench").setUid(uid))
        .setHostname("bare-" + run).setLogDirectory(logs.toString())
        .setLinux(Cri.LinuxPodSandboxConfig.getDefaultInstance()).build();
    long start = System.nanoTime();
    String sandboxId = cri.runtime().runPodSandbox(Cri.RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
        .getPodSandboxId();
    String containerId = cri.runtime().createContainer(Cri.CreateContainerRequest.newBuilder()
        .setPodSandboxId(sandboxId).setSandboxConfig(sandbox)
        .setConfig(Cri.ContainerConfig.newBuilder().setMetadata(Cri.ContainerMetadata.newBuilder().setName("main"))
            .setImage(Cri.ImageSpec.newBuilder().setImage(IMAGE)).addCommand("sh").addCommand("-c").addCommand(COMMAND)
            .setLogPath("main/0.log"))
        .build()).getContainerId();
    cri.runtime().startContainer(Cri.StartContainerRequest.newBuilder().setContainerId(containerId).build());
    double millis = (System.nanoTime() - start) / 1e6;
    cri.runtime().stopPodSandbox(Cri.StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    cri.runtime().removePodSandbox(Cri.RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    return millis;
  }

  static void row(String what, List<Double> ms) {
    List<Double> sorted = new ArrayList<>(ms);
    sorted.sort(Double::compare);
    System.out.printf(Locale.ROOT, "| %s | %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms |%n", what, sorted.size(),
        percentile(sorted, 50), percentile(sorted, 99), sorted.get(0), sorted.get(sorted.size() - 1));
  }

  /** Nearest-rank percentile of a sorted list. */
  static double percentile(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  static double[] loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
    } catch (IOException e) {
      double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return new double[] {one, one, one};
    }
  }
}

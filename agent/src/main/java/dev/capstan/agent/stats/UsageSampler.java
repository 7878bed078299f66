package dev.capstan.agent.stats;

import com.google.protobuf.Timestamp;
import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ContainerUsage;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.api.core.v1.ContainerUsage.Builder;
import dev.capstan.api.core.v1.NodeStats;
import dev.capstan.api.core.v1.PodUsage;
import dev.capstan.api.core.v1.ResourceUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures what the node and the containers of its pods use, for nodes/stats ({@code capstan
 * top}). CPU is a rate, so it takes two samples: {@link #sample()} runs periodically and on every
 * request, and {@link #stats()} averages CPU between a fresh sample and the newest earlier one at
 * least {@link #MIN_WINDOW} older (the first request after start may report CPU as unknown).
 * Memory is the working set of the fresh sample. Thread-safe.
 */
public final class UsageSampler {
  /** A shorter window makes CPU rates noise. */
  static final Duration MIN_WINDOW = Duration.ofSeconds(1);

  private final ContainerRuntime runtime;
  private final HostUsage host;
  private final Clock clock;
  private final String nodeName;
  /** The two newest samples, newest last. */
  private Sample older;
  private Sample newer;

  private record Sample(Instant time, HostUsage.Reading host, Map<String, ContainerUsage> containers) {}

  public UsageSampler(ContainerRuntime runtime, HostUsage host, Clock clock, String nodeName) {
    this.runtime = runtime;
    this.host = host;
    this.clock = clock;
    this.nodeName = nodeName;
  }

  /** Takes a sample and keeps it as a base for later rates. */
  public void sample() {
    Sample s = take();
    synchronized (this) {
      older = newer;
      newer = s;
    }
  }

  /** The node's and its pods' usage now. */
  public NodeStats stats() {
    Sample now = take();
    // Which pod each container belongs to is needed only here, not for every background sample.
    List<RuntimeContainer> running = runtime.listContainers(Map.of()).stream()
        .filter(c -> c.state() == ContainerState.RUNNING).toList();
    Sample base;
    synchronized (this) {
      base = newer != null && !newer.time.plus(MIN_WINDOW).isAfter(now.time) ? newer
          : older != null && !older.time.plus(MIN_WINDOW).isAfter(now.time) ? older : null;
      older = newer;
      newer = now;
    }
    NodeStats.Builder out = NodeStats.newBuilder().setNodeName(nodeName)
        .setTime(Timestamp.newBuilder().setSeconds(now.time.getEpochSecond()).setNanos(now.time.getNano()));
    ResourceUsage.Builder node = ResourceUsage.newBuilder().setMemoryWorkingSetBytes(now.host.memoryWorkingSetBytes());
    if (base != null) {
      double seconds = Duration.between(base.time, now.time).toNanos() / 1e9;
      out.setWindowSeconds(seconds);
      node.setCpuKnown(true).setCpuNanoCores(rate(base.host.cpuBusyNanos(), now.host.cpuBusyNanos(), base.time, now.time));
    }
    out.setUsage(node);
    Map<String, PodUsage.Builder> pods = new LinkedHashMap<>();
    for (RuntimeContainer c : running) {
      ContainerUsage u = now.containers.get(c.id());
      String uid = c.labels().get(RuntimeLabels.POD_UID);
      if (u == null || uid == null) {
        continue;
      }
      PodUsage.Builder pod = pods.computeIfAbsent(uid, k -> PodUsage.newBuilder().setUid(uid)
          .setNamespace(c.labels().getOrDefault(RuntimeLabels.POD_NAMESPACE, ""))
          .setName(c.labels().getOrDefault(RuntimeLabels.POD_NAME, "")));
      ResourceUsage.Builder usage = ResourceUsage.newBuilder().setMemoryWorkingSetBytes(u.memoryWorkingSetBytes());
      ContainerUsage before = base == null ? null : base.containers.get(c.id());
      if (before != null && u.timestamp().isAfter(before.timestamp())) {
        usage.setCpuKnown(true).setCpuNanoCores(rate(before.cpuCoreNanos(), u.cpuCoreNanos(), before.timestamp(),
            u.timestamp()));
      }
      Builder container = dev.capstan.api.core.v1.ContainerUsage.newBuilder()
          .setName(c.labels().getOrDefault(RuntimeLabels.CONTAINER_NAME, c.name())).setUsage(usage);
      pod.addContainers(container);
    }
    pods.values().forEach(out::addPods);
    return out.build();
  }

  private Sample take() {
    Instant time = clock.instant();
    HostUsage.Reading h = host.read();
    Map<String, ContainerUsage> byId = new HashMap<>();
    for (ContainerUsage u : runtime.containerUsage()) {
      byId.put(u.containerId(), u);
    }
    return new Sample(time, h, byId);
  }

  private static long rate(long fromNanos, long toNanos, Instant from, Instant to) {
    long elapsed = Duration.between(from, to).toNanos();
    if (elapsed <= 0 || toNanos < fromNanos) {
      return 0; // a restarted counter: no rate this window
    }
    return Math.round((toNanos - fromNanos) * 1e9 / elapsed);
  }
}

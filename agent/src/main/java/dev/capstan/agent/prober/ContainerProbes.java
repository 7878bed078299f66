package dev.capstan.agent.prober;

import dev.capstan.agent.pod.PodEvents;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The probes of every running container on the node (the kubelet's prober manager): one
 * {@link ProbeWorker} per running container and declared probe, started when the pod's sync sees
 * the container running and stopped when it no longer runs. A result that flips asks for the
 * pod to be synced again ({@code resync} with the pod's uid), so that readiness reaches the
 * pod's status and a failed liveness or startup probe gets the container restarted.
 *
 * <p>Thread-safe: pod syncs and probe workers call in concurrently.
 */
public final class ContainerProbes implements ProbeStatus, AutoCloseable {
  private record Key(String containerId, ProbeType type) {}

  private record Owned(String podUid, ProbeWorker worker) {}

  private final Prober prober;
  private final ProbeScheduler scheduler;
  private final Consumer<String> resync;
  private final PodEvents events;
  private final Map<Key, Owned> workers = new ConcurrentHashMap<>();

  public ContainerProbes(Prober prober, ProbeScheduler scheduler, Consumer<String> resync) {
    this(prober, scheduler, resync, PodEvents.NONE);
  }

  /** @param events receives an Unhealthy Event each time a probe turns to failing */
  public ContainerProbes(Prober prober, ProbeScheduler scheduler, Consumer<String> resync, PodEvents events) {
    this.prober = prober;
    this.scheduler = scheduler;
    this.resync = resync;
    this.events = events;
  }

  /**
   * Brings the pod's workers in line with its containers after a sync: probes start for each
   * running container that declares them and stop for containers that no longer run.
   *
   * @param running the id of each running container, by container name
   * @param podIp where network probes go by default
   */
  public void sync(Pod pod, Map<String, String> running, String podIp) {
    String uid = pod.getMetadata().getUid();
    String podKey = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    Set<Key> wanted = new HashSet<>();
    for (Container spec : pod.getSpec().getContainersList()) {
      String id = running.get(spec.getName());
      if (id == null) {
        continue;
      }
      for (ProbeType type : ProbeType.values()) {
        type.of(spec).ifPresent(probe -> {
          Key key = new Key(id, type);
          wanted.add(key);
          workers.computeIfAbsent(key, k -> {
            ProbeWorker w = new ProbeWorker(type, probe, spec, id, podIp, podKey, prober,
                () -> type == ProbeType.STARTUP || started(id, spec), () -> resync.accept(uid),
                failure -> events.warning(pod, "Unhealthy", failure));
            w.start(scheduler);
            return new Owned(uid, w);
          });
        });
      }
    }
    workers.entrySet().removeIf(e -> {
      boolean gone = e.getValue().podUid().equals(uid) && !wanted.contains(e.getKey());
      if (gone) {
        e.getValue().worker().stop();
      }
      return gone;
    });
  }

  /**
   * Why the running container must be restarted, if it must: its liveness probe failed, or its
   * startup probe did not pass within its failure threshold.
   */
  public Optional<String> restartReason(String containerId) {
    for (ProbeType type : new ProbeType[] {ProbeType.STARTUP, ProbeType.LIVENESS}) {
      Owned o = workers.get(new Key(containerId, type));
      if (o != null && o.worker().failedPastThreshold()) {
        return Optional.of(type.displayName() + " probe failed: " + o.worker().lastFailure());
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean started(String containerId, Container spec) {
    if (!spec.hasStartupProbe()) {
      return true;
    }
    Owned o = workers.get(new Key(containerId, ProbeType.STARTUP));
    return o != null && o.worker().passing();
  }

  @Override
  public boolean ready(String containerId, Container spec) {
    if (!started(containerId, spec)) {
      return false;
    }
    if (!spec.hasReadinessProbe()) {
      return true;
    }
    Owned o = workers.get(new Key(containerId, ProbeType.READINESS));
    return o != null && o.worker().passing();
  }

  /** Stops and forgets the probes of a pod that is gone. */
  public void forgetPod(String podUid) {
    workers.entrySet().removeIf(e -> {
      boolean mine = e.getValue().podUid().equals(podUid);
      if (mine) {
        e.getValue().worker().stop();
      }
      return mine;
    });
  }

  @Override
  public void close() {
    workers.values().forEach(o -> o.worker().stop());
    workers.clear();
  }
}

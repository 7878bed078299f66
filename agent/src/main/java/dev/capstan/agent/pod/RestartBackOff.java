package dev.capstan.agent.pod;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The crash-loop back-off of containers, keyed by pod uid and container name. As the kubelet
 * does, the first restart after an exit happens at once; the n-th restart in a row (n >= 2) waits
 * {@code initial * 2^(n-2)} after the container exited, capped at {@code max}; a container that ran
 * for {@code resetAfter} before exiting starts over (Kubernetes: 0, 10 s, 20 s, ... up to 5 min,
 * reset after 10 min of running). Failures to create or start a container wait
 * {@code initial * 2^(n-1)} from the n-th failure in a row. Thread-safe.
 */
public final class RestartBackOff {
  private final Clock clock;
  private final Duration initial;
  private final Duration max;
  private final Duration resetAfter;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  private record Entry(int restarts, Instant notBefore) {}

  public RestartBackOff(Clock clock, Duration initial, Duration max, Duration resetAfter) {
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("back-off: need 0 <= initial <= max, got initial " + initial + ", max " + max);
    }
    this.clock = clock;
    this.initial = initial;
    this.max = max;
    this.resetAfter = resetAfter;
  }

  /**
   * When a container that ran from {@code startedAt} to {@code finishedAt} may be restarted. A run
   * of at least {@code resetAfter} resets the count of restarts in a row.
   */
  public Instant restartAt(String podUid, String container, Instant startedAt, Instant finishedAt) {
    String key = key(podUid, container);
    if (startedAt != null && Duration.between(startedAt, finishedAt).compareTo(resetAfter) >= 0) {
      entries.remove(key);
    }
    Entry e = entries.get(key);
    Instant at = finishedAt.plus(restartDelay(e == null ? 0 : e.restarts));
    return e == null || e.notBefore == null || at.isAfter(e.notBefore) ? at : e.notBefore;
  }

  /** When a container whose creation failed may be tried again; empty when nothing failed. */
  public Optional<Instant> retryAt(String podUid, String container) {
    Entry e = entries.get(key(podUid, container));
    return e == null ? Optional.empty() : Optional.ofNullable(e.notBefore);
  }

  /** Counts a restart (a new container started after one exited). */
  public void restarted(String podUid, String container) {
    entries.compute(key(podUid, container), (k, e) -> new Entry(e == null ? 1 : e.restarts + 1, null));
  }

  /** Counts a failure to create or start; the next try waits the current back-off from now. */
  public Instant failed(String podUid, String container) {
    Entry e = entries.compute(key(podUid, container), (k, old) -> {
      int n = old == null ? 0 : old.restarts;
      return new Entry(n + 1, clock.instant().plus(delay(n)));
    });
    return e.notBefore;
  }

  /** The wait the next restart of this container will get after it exits. */
  public Duration currentDelay(String podUid, String container) {
    Entry e = entries.get(key(podUid, container));
    return restartDelay(e == null ? 0 : e.restarts);
  }

  /** Forgets a pod's containers. */
  public void forget(String podUid) {
    entries.keySet().removeIf(k -> k.startsWith(podUid + "/"));
  }

  /** A container that already restarted {@code restarts} times in a row: none waits for its first. */
  private Duration restartDelay(int restarts) {
    return restarts == 0 ? Duration.ZERO : delay(restarts - 1);
  }

  private Duration delay(int restarts) {
    Duration d = initial;
    for (int i = 0; i < restarts && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }

  private static String key(String podUid, String container) {
    return podUid + "/" + container;
  }
}

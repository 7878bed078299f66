package dev.capstan.controllers.framework;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Kubernetes' controller expectations: what a controller has asked the apiserver to do for one of
 * its objects and not yet seen come back through its informer.
 *
 * <p>An informer's cache lags behind the controller's own writes. A controller that creates 3 pods
 * for a ReplicaSet and syncs again before its cache shows them would create 3 more. So before
 * writing it records expectations ({@link #expectCreations}, {@link #expectDeletions}); its event
 * handlers lower them as the informer observes the changes ({@link #creationObserved},
 * {@link #deletionObserved}); and it acts on the object again only once they are
 * {@link #satisfied} — all observed, or older than the time-to-live (5 minutes by default), which
 * keeps a lost watch event from blocking the object forever.
 *
 * <p>Creations are counted (the names of generateName'd pods are not known in advance); deletions
 * are tracked by the deleted objects' keys, so that a pod seen once as terminating and once as
 * deleted is counted only once. Thread-safe.
 */
public final class ControllerExpectations {
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Expectation> expectations = new HashMap<>();

  public ControllerExpectations(Clock clock) {
    this(clock, DEFAULT_TTL);
  }

  public ControllerExpectations(Clock clock, Duration ttl) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
  }

  /** Replaces the expectations of {@code controllerKey} by {@code count} pending creations. */
  public synchronized void expectCreations(String controllerKey, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count: must be non-negative, got " + count);
    }
    expectations.put(controllerKey, new Expectation(count, Set.of(), clock.instant()));
  }

  /** Replaces the expectations of {@code controllerKey} by deletions of the objects with these keys. */
  public synchronized void expectDeletions(String controllerKey, Collection<String> deletedKeys) {
    expectations.put(controllerKey, new Expectation(0, deletedKeys, clock.instant()));
  }

  /** Replaces the expectations of {@code controllerKey} by creations and deletions made in one go. */
  public synchronized void expect(String controllerKey, int creations, Collection<String> deletedKeys) {
    if (creations < 0) {
      throw new IllegalArgumentException("creations: must be non-negative, got " + creations);
    }
    expectations.put(controllerKey, new Expectation(creations, deletedKeys, clock.instant()));
  }

  /** One expected creation was observed, or will never happen because the create failed or was skipped. */
  public synchronized void creationObserved(String controllerKey) {
    Expectation e = expectations.get(controllerKey);
    if (e != null && e.pendingCreations > 0) {
      e.pendingCreations--;
    }
  }

  /** The deletion of {@code deletedKey} was observed, or will never happen because the delete failed. */
  public synchronized void deletionObserved(String controllerKey, String deletedKey) {
    Expectation e = expectations.get(controllerKey);
    if (e != null) {
      e.pendingDeletions.remove(deletedKey);
    }
  }

  /**
   * Whether the controller may act on {@code controllerKey}: nothing is expected, everything expected
   * was observed, or the expectations have expired.
   */
  public synchronized boolean satisfied(String controllerKey) {
    Expectation e = expectations.get(controllerKey);
    if (e == null) {
      return true;
    }
    if (e.pendingCreations <= 0 && e.pendingDeletions.isEmpty()) {
      return true;
    }
    return !clock.instant().isBefore(e.setAt.plus(ttl));
  }

  /** Pending creations and deletions, for logs and tests: {@code [creations, deletions]}. */
  public synchronized int[] pending(String controllerKey) {
    Expectation e = expectations.get(controllerKey);
    return e == null ? new int[] {0, 0} : new int[] {e.pendingCreations, e.pendingDeletions.size()};
  }

  /** Drops the expectations of an object that no longer exists. */
  public synchronized void forget(String controllerKey) {
    expectations.remove(controllerKey);
  }

  private static final class Expectation {
    int pendingCreations;
    final Set<String> pendingDeletions;
    final Instant setAt;

    Expectation(int pendingCreations, Collection<String> pendingDeletions, Instant setAt) {
      this.pendingCreations = pendingCreations;
      this.pendingDeletions = new HashSet<>(pendingDeletions);
      this.setAt = setAt;
    }
  }
}

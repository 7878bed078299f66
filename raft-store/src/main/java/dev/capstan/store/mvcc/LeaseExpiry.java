package dev.capstan.store.mvcc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * When each lease runs out, as this peer's leader role sees it. Only a primary (the Raft
 * leader, once ready) keeps deadlines; every other peer keeps none, so leases never expire there
 * on their own, and expiry reaches them only as a revoke through the log. A new primary gives
 * every lease its full TTL again, as etcd does on a leader change: the old leader's deadlines
 * died with its role.
 *
 * <p>Thread-safe; time comes from the injected {@link Clock}.
 */
final class LeaseExpiry {

  /** How long an expired lease waits before it is reported again if its revoke got lost. */
  static final Duration REVOKE_RETRY = Duration.ofSeconds(3);

  private final Clock clock;
  // Guarded by this.
  private final Map<Long, Instant> deadlines = new HashMap<>();
  private boolean primary;

  LeaseExpiry(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  synchronized boolean isPrimary() {
    return primary;
  }

  /** Becomes primary: every lease (id to TTL seconds) runs out its full TTL from now. */
  synchronized void promote(Map<Long, Long> ttls) {
    primary = true;
    deadlines.clear();
    Instant now = clock.instant();
    ttls.forEach((id, ttl) -> deadlines.put(id, now.plusSeconds(ttl)));
  }

  /** Stops being primary and forgets every deadline. */
  synchronized void demote() {
    primary = false;
    deadlines.clear();
  }

  /** (Re)starts a lease's TTL from now, if primary; answers whether it did. */
  synchronized boolean arm(long id, long ttl) {
    if (primary) {
      deadlines.put(id, clock.instant().plusSeconds(ttl));
    }
    return primary;
  }

  synchronized void forget(long id) {
    deadlines.remove(id);
  }

  /** Seconds left (rounded up, never below 0), or empty when not primary or not tracked. */
  synchronized OptionalLong remaining(long id) {
    Instant deadline = primary ? deadlines.get(id) : null;
    if (deadline == null) {
      return OptionalLong.empty();
    }
    long millis = Duration.between(clock.instant(), deadline).toMillis();
    return OptionalLong.of(millis <= 0 ? 0 : (millis + 999) / 1000);
  }

  /**
   * Up to {@code max} leases whose deadline has passed, earliest first. Each is pushed
   * {@link #REVOKE_RETRY} into the future, so that it is not reported again while its revoke is
   * on its way through the log, yet is retried if that revoke was lost.
   */
  synchronized List<Long> takeExpired(int max) {
    if (!primary) {
      return List.of();
    }
    Instant now = clock.instant();
    List<Map.Entry<Long, Instant>> due = new ArrayList<>();
    for (Map.Entry<Long, Instant> entry : deadlines.entrySet()) {
      if (!entry.getValue().isAfter(now)) {
        due.add(entry);
      }
    }
    due.sort(Map.Entry.<Long, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
    List<Long> expired = new ArrayList<>(Math.min(max, due.size()));
    for (Map.Entry<Long, Instant> entry : due.subList(0, Math.min(max, due.size()))) {
      expired.add(entry.getKey());
      deadlines.put(entry.getKey(), now.plus(REVOKE_RETRY));
    }
    return expired;
  }
}

package dev.capstan.controllers.podgc;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The quarantine of nodes that pods are bound to but that the node cache does not hold: a node
 * counts as gone only once it has been missing for the whole quarantine, on the injected clock.
 * That spares the pods of a node that registered just after they were bound to it (its Node not in
 * the cache yet), and of one that was deleted and registers again at once. A node seen again leaves
 * the quarantine; missing again later, it starts over. Not thread-safe: one sync at a time uses it.
 */
final class MissingNodes {
  private final Duration quarantine;
  private final Map<String, Instant> missingSince = new HashMap<>();

  MissingNodes(Duration quarantine) {
    Objects.requireNonNull(quarantine, "quarantine");
    if (quarantine.isNegative()) {
      throw new IllegalArgumentException("quarantine: must not be negative, got " + quarantine);
    }
    this.quarantine = quarantine;
  }

  /** Records which nodes are missing at {@code now}; forgets those that are not any more. */
  void observe(Set<String> missing, Instant now) {
    missingSince.keySet().retainAll(missing);
    for (String node : missing) {
      missingSince.putIfAbsent(node, now);
    }
  }

  /** The nodes missing for the whole quarantine at {@code now}. */
  List<String> expired(Instant now) {
    return missingSince.entrySet().stream().filter(e -> !e.getValue().plus(quarantine).isAfter(now))
        .map(Map.Entry::getKey).sorted().toList();
  }

  /** When the next node still in quarantine leaves it, if any is. */
  Optional<Instant> nextExpiry(Instant now) {
    return missingSince.values().stream().map(since -> since.plus(quarantine)).filter(at -> at.isAfter(now))
        .min(Instant::compareTo);
  }

  /** The node exists after all (a live read found it): it starts over if it goes missing again. */
  void forget(String node) {
    missingSince.remove(node);
  }
}

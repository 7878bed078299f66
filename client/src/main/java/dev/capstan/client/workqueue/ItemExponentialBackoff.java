package dev.capstan.client.workqueue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-item exponential backoff: the n-th consecutive failure of an item (counting from 0) waits
 * {@code base * 2^n}, capped at {@code max}. {@link #forget} resets an item. Thread-safe.
 */
final class ItemExponentialBackoff<K> {
  private final Duration base;
  private final Duration max;
  private final Map<K, Integer> failures = new HashMap<>();

  ItemExponentialBackoff(Duration base, Duration max) {
    Objects.requireNonNull(base, "baseDelay");
    Objects.requireNonNull(max, "maxDelay");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("baseDelay must be positive, got " + base);
    }
    if (max.compareTo(base) < 0) {
      throw new IllegalArgumentException("maxDelay " + max + " is shorter than baseDelay " + base);
    }
    this.base = base;
    this.max = max;
  }

  /** The delay before the item's next retry; counts one more failure. */
  synchronized Duration when(K item) {
    int exponent = failures.merge(item, 1, Integer::sum) - 1;
    // Doubles so that a long failure streak cannot overflow; anything past max is max anyway.
    double nanos = base.toNanos() * Math.pow(2, exponent);
    if (nanos >= max.toNanos()) {
      return max;
    }
    return Duration.ofNanos((long) nanos);
  }

  synchronized int numRequeues(K item) {
    return failures.getOrDefault(item, 0);
  }

  synchronized void forget(K item) {
    failures.remove(item);
  }
}

package dev.capstan.client.workqueue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Keys waiting for a time on one time line ({@code T}: an {@link java.time.Instant} of a clock, or
 * monotonic nanoseconds), earliest first, each key at most once: offered again, it keeps the
 * earlier of its two times. Keys due at the same time come out in the order they were offered. Not
 * thread-safe: {@link RateLimitingQueue} calls it under its lock.
 */
final class DelayedKeys<K, T extends Comparable<? super T>> {
  private record Entry<K, T>(K key, T readyAt, long sequence) {}

  private final PriorityQueue<Entry<K, T>> byTime = new PriorityQueue<>(
      Comparator.comparing((Entry<K, T> e) -> e.readyAt()).thenComparingLong(Entry::sequence));
  private final Map<K, Entry<K, T>> byKey = new HashMap<>();
  private long sequence;

  /** Adds the key at {@code readyAt}; true if that changed anything (a new key, or an earlier time). */
  boolean offer(K key, T readyAt) {
    Entry<K, T> existing = byKey.get(key);
    if (existing != null) {
      if (readyAt.compareTo(existing.readyAt()) >= 0) {
        return false;
      }
      byTime.remove(existing);
    }
    Entry<K, T> entry = new Entry<>(key, readyAt, sequence++);
    byTime.add(entry);
    byKey.put(key, entry);
    return true;
  }

  /** The earliest time a key waits for; null if none waits. */
  T earliest() {
    Entry<K, T> first = byTime.peek();
    return first == null ? null : first.readyAt();
  }

  /** Removes and returns the keys due at {@code now}, in time order. */
  List<K> pollDue(T now) {
    List<K> due = new ArrayList<>();
    while (!byTime.isEmpty() && byTime.peek().readyAt().compareTo(now) <= 0) {
      Entry<K, T> entry = byTime.poll();
      byKey.remove(entry.key());
      due.add(entry.key());
    }
    return due;
  }

  void remove(K key) {
    Entry<K, T> entry = byKey.remove(key);
    if (entry != null) {
      byTime.remove(entry);
    }
  }

  int size() {
    return byKey.size();
  }

  boolean isEmpty() {
    return byKey.isEmpty();
  }

  void clear() {
    byTime.clear();
    byKey.clear();
  }
}

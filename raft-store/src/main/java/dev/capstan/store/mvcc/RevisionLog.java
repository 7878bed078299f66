package dev.capstan.store.mvcc;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The changes of each kept revision, in revision order, for watches replaying history and for
 * compaction. Not thread-safe: {@link MvccStore} guards it with its lock.
 *
 * <p>Kept revisions are dense (every revision after the compacted one changed at least one key,
 * and each such change stays in its key's history until a compaction passes it), so this is a
 * ring of slots indexed by revision rather than a sorted map: one array slot per revision, holding
 * the single {@link KeyRevision} most requests make or an array of them. A sorted map spent three
 * more objects and about 90 bytes on every revision (its entry, the boxed revision and the list),
 * all of which every young collection of a busy store had to copy; see docs/benchmarks.md.
 * A revision with no kept changes is an empty slot and reads as absent.
 */
final class RevisionLog {

  private static final int INITIAL_CAPACITY = 16;

  /** Slot {@code (head + i) % slots.length} holds revision {@code first + i}; null when absent. */
  private Object[] slots = new Object[INITIAL_CAPACITY];
  private int head;
  private int count;
  private long first;

  /**
   * Records {@code changes} (not empty, in the order they were made) at {@code revision}, which
   * must be above every revision recorded so far; skipped revisions read as absent.
   */
  void append(long revision, List<KeyRevision> changes) {
    if (changes.isEmpty()) {
      throw new IllegalArgumentException("revision " + revision + " has no changes");
    }
    if (count == 0) {
      head = 0;
      first = revision;
    } else if (revision < first + count) {
      throw new IllegalArgumentException(
          "revision " + revision + " is not above the last recorded one, " + (first + count - 1));
    }
    int needed = Math.toIntExact(revision - first + 1);
    ensureCapacity(needed);
    count = needed;
    slots[index(needed - 1)] = slotOf(changes);
  }

  /** Calls {@code visitor} for each revision from {@code from} to {@code to} (both included) that holds changes, in order. */
  void forEach(long from, long to, Visitor visitor) {
    long start = Math.max(from, first);
    long end = Math.min(to, first + count - 1);
    for (long r = start; r <= end; r++) {
      Object slot = slots[index((int) (r - first))];
      if (slot != null) {
        visitor.visit(r, asList(slot));
      }
    }
  }

  /** Forgets every revision below {@code revision}. */
  void dropBefore(long revision) {
    if (count == 0 || revision <= first) {
      return;
    }
    int drop = (int) Math.min(count, revision - first);
    for (int i = 0; i < drop; i++) {
      slots[index(i)] = null;
    }
    head = index(drop);
    count -= drop;
    first += drop;
    if (count == 0) {
      head = 0;
    }
    if (slots.length > INITIAL_CAPACITY && count < slots.length / 4) {
      resize(Math.max(INITIAL_CAPACITY, slots.length / 2));
    }
  }

  /** Replaces the changes at {@code revision} by {@code update}'s result; an empty result leaves it absent. */
  void update(long revision, UnaryOperator<List<KeyRevision>> update) {
    if (revision < first || revision >= first + count) {
      return;
    }
    int i = index((int) (revision - first));
    if (slots[i] == null) {
      return;
    }
    slots[i] = slotOf(update.apply(asList(slots[i])));
  }

  /** What {@link #forEach} hands each kept revision to. */
  @FunctionalInterface
  interface Visitor {
    void visit(long revision, List<KeyRevision> changes);
  }

  /** What a slot holds for {@code changes}: nothing, the one change, or an array of them. */
  private static Object slotOf(List<KeyRevision> changes) {
    return changes.isEmpty() ? null : changes.size() == 1 ? changes.get(0) : changes.toArray(new KeyRevision[0]);
  }

  /** A slot's changes, as a list the caller must not change. */
  private static List<KeyRevision> asList(Object slot) {
    if (slot == null) {
      return List.of();
    }
    if (slot instanceof KeyRevision single) {
      return List.of(single);
    }
    return Arrays.asList((KeyRevision[]) slot);
  }

  private int index(int offset) {
    int i = head + offset;
    return i >= slots.length ? i - slots.length : i;
  }

  private void ensureCapacity(int needed) {
    if (needed > slots.length) {
      int capacity = slots.length;
      while (capacity < needed) {
        capacity = Math.multiplyExact(capacity, 2);
      }
      resize(capacity);
    }
  }

  private void resize(int capacity) {
    Object[] resized = new Object[capacity];
    for (int i = 0; i < count; i++) {
      resized[i] = slots[index(i)];
    }
    slots = resized;
    head = 0;
  }
}

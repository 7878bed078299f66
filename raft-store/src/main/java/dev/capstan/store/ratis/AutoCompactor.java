package dev.capstan.store.ratis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Decides when and to which revision the store compacts itself under an {@link AutoCompaction}
 * policy. It only decides: the caller ({@link RaftStorePeer}) runs {@link #tick} every
 * {@link AutoCompaction#checkInterval()} on every peer, proposes the answer as an ordinary Compact
 * through the Raft log (so every peer compacts at the same point of the log), and reports back
 * through {@link #compacted}.
 *
 * <p>Why every peer samples, not just the leader: in periodic mode the target is the revision that
 * was current one retention ago, so a peer that just became leader already knows it and need not
 * wait a whole retention. Only the leader's ticks answer with a target.
 *
 * <p>Thread-safe; time comes from the injected {@link Clock}.
 */
final class AutoCompactor {

  /** A revision and when this peer saw it current. */
  private record Sample(Instant at, long revision) {}

  private final AutoCompaction policy;
  private final Clock clock;
  // Guarded by this.
  private final Deque<Sample> samples = new ArrayDeque<>();
  private Instant lastSuccess;
  /** The first compaction waits a whole retention; later ones the compaction interval. */
  private Duration wait;
  private long lastCompacted;

  AutoCompactor(AutoCompaction policy, Clock clock) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lastSuccess = clock.instant();
    this.wait = policy.period();
  }

  AutoCompaction policy() {
    return policy;
  }

  /** The revision the last periodic tick noted, or -1 before any. */
  synchronized long lastSampledRevision() {
    return samples.isEmpty() ? -1 : samples.getLast().revision();
  }

  /**
   * One check: notes {@code revision} as current now and, if {@code leader}, answers the revision
   * to compact to, if any is due. {@code compactRevision} is the store's present compaction point:
   * a target at or below it would be refused, so none is answered.
   */
  synchronized OptionalLong tick(long revision, long compactRevision, boolean leader) {
    return switch (policy.mode()) {
      case OFF -> OptionalLong.empty();
      case PERIODIC -> periodic(revision, compactRevision, leader);
      case REVISION -> leader ? due(revision - policy.revisions(), compactRevision) : OptionalLong.empty();
    };
  }

  private OptionalLong periodic(long revision, long compactRevision, boolean leader) {
    Instant now = clock.instant();
    samples.addLast(new Sample(now, revision));
    Instant horizon = now.minus(policy.period());
    // Keep the newest sample at or before the horizon at the front: it is the one to compact to.
    while (samples.size() > 1 && !secondSample().at().isAfter(horizon)) {
      samples.removeFirst();
    }
    Sample oldest = samples.getFirst();
    if (!leader || oldest.at().isAfter(horizon) || Duration.between(lastSuccess, now).compareTo(wait) < 0) {
      return OptionalLong.empty();
    }
    return due(oldest.revision(), compactRevision);
  }

  private Sample secondSample() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }

  private OptionalLong due(long target, long compactRevision) {
    if (target <= 0 || target <= compactRevision || target == lastCompacted) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(target);
  }

  /**
   * The store is compacted to {@code revision} (or further, if a Compact beat it there): the next
   * periodic compaction waits the compaction interval from now.
   */
  synchronized void compacted(long revision) {
    lastCompacted = revision;
    lastSuccess = clock.instant();
    Duration period = policy.period();
    wait = period.compareTo(AutoCompaction.MAX_COMPACT_INTERVAL) > 0 ? AutoCompaction.MAX_COMPACT_INTERVAL : period;
  }
}

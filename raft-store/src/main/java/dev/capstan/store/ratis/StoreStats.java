package dev.capstan.store.ratis;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters a store peer keeps about itself for an operator to alert on: leader changes it has
 * seen, snapshots written (how many, how long they took, how many failed), and log entries its
 * writes went out in (with how many commands they carried, so the batch size shows). Plain
 * counters, so that the store needs no metrics library: whoever serves metrics reads them when
 * scraped. Cheap to bump from any thread.
 */
public final class StoreStats {
  private final LongAdder leaderChanges = new LongAdder();
  private final LongAdder snapshots = new LongAdder();
  private final LongAdder snapshotNanos = new LongAdder();
  private final LongAdder snapshotFailures = new LongAdder();
  private final LongAdder writeEntries = new LongAdder();
  private final LongAdder writeCommands = new LongAdder();

  void leaderChanged() {
    leaderChanges.increment();
  }

  void snapshotWritten(long nanos) {
    snapshots.increment();
    snapshotNanos.add(nanos);
  }

  void snapshotFailed() {
    snapshotFailures.increment();
  }

  void entrySent(int commands) {
    writeEntries.increment();
    writeCommands.add(commands);
  }

  /** Times this peer learned of a new leader (an election it saw end), since it started. */
  public long leaderChanges() {
    return leaderChanges.sum();
  }

  /** Snapshots written completely. */
  public long snapshots() {
    return snapshots.sum();
  }

  /** Seconds spent writing the {@link #snapshots} (copying the state, writing and syncing the file). */
  public double snapshotSeconds() {
    return snapshotNanos.sum() / 1e9;
  }

  /** Snapshot writes that failed (the log is kept; they are retried). */
  public long snapshotFailures() {
    return snapshotFailures.sum();
  }

  /** Log entries this peer's writers proposed (one per batch of writes). */
  public long writeEntries() {
    return writeEntries.sum();
  }

  /** Write commands those entries carried. */
  public long writeCommands() {
    return writeCommands.sum();
  }
}

package dev.capstan.apiserver.metrics;

import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.StoreStats;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantiles;

/**
 * A store peer's state as Prometheus metrics, read from the peer when scraped (the store itself
 * keeps plain counters, {@link StoreStats}, and has no metrics library): whether it leads, whether
 * it knows a leader, leader changes seen, term, commit and applied index, the store's revision,
 * snapshot count and time, failed snapshots, and how many writes each log entry carried.
 */
public final class StoreMetrics {
  private StoreMetrics() {}

  /** Registers the peer's metrics on {@code registry}; one peer per registry. */
  public static void register(PrometheusRegistry registry, RaftStorePeer peer) {
    StoreStats stats = peer.stats();
    gauge(registry, "capstan_store_is_leader", "1 if this member is the store's Raft leader, else 0",
        () -> peer.isLeader() ? 1 : 0);
    gauge(registry, "capstan_store_has_leader", "1 if this member knows a Raft leader, else 0 (no quorum)",
        () -> peer.leaderId().isPresent() ? 1 : 0);
    gauge(registry, "capstan_store_raft_term", "The Raft term this member is in", peer::raftTerm);
    gauge(registry, "capstan_store_commit_index", "Index of the last log entry this member knows committed",
        peer::commitIndex);
    gauge(registry, "capstan_store_applied_index", "Index of the last log entry this member applied",
        peer::appliedIndex);
    gauge(registry, "capstan_store_revision", "The store's revision as applied on this member",
        peer::appliedRevision);
    CounterWithCallback.builder().name("capstan_store_leader_changes_total")
        .help("Leader changes this member has seen since it started")
        .callback(cb -> cb.call(stats.leaderChanges())).register(registry);
    CounterWithCallback.builder().name("capstan_store_snapshot_failures_total")
        .help("Snapshot writes that failed (the log is kept and the write retried)")
        .callback(cb -> cb.call(stats.snapshotFailures())).register(registry);
    SummaryWithCallback.builder().name("capstan_store_snapshot_duration_seconds")
        .help("Snapshots written by this member and the seconds they took (copying the state, writing and syncing)")
        .callback(cb -> cb.call(stats.snapshots(), stats.snapshotSeconds(), Quantiles.EMPTY)).register(registry);
    SummaryWithCallback.builder().name("capstan_store_write_batch_size")
        .help("Log entries this member's writers proposed (count) and the write commands they carried (sum)")
        .callback(cb -> cb.call(stats.writeEntries(), stats.writeCommands(), Quantiles.EMPTY)).register(registry);
  }

  private static void gauge(PrometheusRegistry registry, String name, String help,
      java.util.function.LongSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
  }
}

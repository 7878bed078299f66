package dev.capstan.cli.commands;

import dev.capstan.store.ratis.AutoCompaction;
import picocli.CommandLine.Option;

/**
 * etcd's {@code --auto-compaction-mode} and {@code --auto-compaction-retention}, shared by the
 * commands that run a store peer. Each command supplies its own default retention: etcd's "0"
 * (off) for {@code capstan store}, which stands in for etcd; five minutes for {@code server} and
 * {@code up}, where the apiserver's own compaction every 5 minutes is what Kubernetes does.
 */
public final class AutoCompactionOptions {
  /** The retention of {@code capstan server} and {@code capstan up}: the kube-apiserver's 5 minutes. */
  static final String CONTROL_PLANE_RETENTION = "5m";
  /** The retention of {@code capstan store}: etcd's default, no automatic compaction. */
  static final String STORE_RETENTION = "0";

  @Option(names = "--auto-compaction-mode", paramLabel = "periodic|revision",
      description = "how --auto-compaction-retention is read, as in etcd (default: periodic)")
  String mode = "periodic";

  @Option(names = "--auto-compaction-retention", paramLabel = "RETENTION",
      description = "MVCC history to keep before the Raft leader compacts it: periodic mode takes a duration"
          + " (5m, 1h, 1h30m; a bare number is hours) and compacts to the revision of that long ago,"
          + " revision mode a count of revisions; 0 turns it off"
          + " (default: 5m for server and up, 0 for store)")
  String retention;

  /** The policy the flags describe, {@code defaultRetention} when the retention was not given. */
  AutoCompaction policy(String defaultRetention) {
    try {
      return AutoCompaction.parse(mode, retention != null ? retention : defaultRetention);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }
}

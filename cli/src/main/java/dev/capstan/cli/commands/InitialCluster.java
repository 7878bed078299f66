package dev.capstan.cli.commands;

import dev.capstan.store.ratis.RaftStorePeer;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --initial-cluster} flag of {@code capstan server} and {@code capstan store}: every
 * member of the store group as {@code NAME=HOST:RAFT_PORT}, or this member alone when empty.
 */
final class InitialCluster {
  private InitialCluster() {}

  /**
   * The store peer configuration the flag describes, checked before anything starts, so that a
   * malformed or inconsistent flag is reported naming it rather than failing halfway.
   */
  static RaftStorePeer.Config storeConfig(String name, Path storeDir, String raftAddress, List<String> flag) {
    List<String> peers = flag.isEmpty() ? List.of(name + "=" + raftAddress) : flag;
    try {
      return RaftStorePeer.Config.of(name, storeDir, raftAddress, peers);
    } catch (IllegalArgumentException e) {
      throw new CliException("--initial-cluster: " + e.getMessage());
    }
  }

  /** The host the other members reach this one at: its own entry's in the flag. */
  static String ownHost(RaftStorePeer.Config config) {
    return config.peerAddresses().stream().filter(p -> p.id().equals(config.id())).findFirst()
        .orElseThrow().host();
  }
}

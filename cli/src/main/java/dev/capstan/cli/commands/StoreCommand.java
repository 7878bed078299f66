package dev.capstan.cli.commands;

import dev.capstan.cli.daemon.ControlPlane;
import dev.capstan.client.config.UserHome;
import dev.capstan.store.etcd.EtcdEndpoint;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import io.grpc.ServerCredentials;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code capstan store}: the replicated store alone, as an etcd replacement. One member of a
 * Raft group (the others named in {@code --initial-cluster}) serving the etcd v3 API, so etcdctl,
 * jetcd and other etcd clients use it unchanged.
 */
@Command(name = "store", description = "Run one member of the replicated store alone, serving the etcd v3 API.",
    subcommands = {StoreSnapshotCommand.class, StoreMemberCommand.class})
public final class StoreCommand implements Callable<Integer> {
  @Option(names = "--name", description = "this member's name (default: capstan)")
  String name = "capstan";

  @Option(names = "--data-dir", description = "where this member keeps its Raft log and snapshots (default: ~/.capstan/store)")
  Path dataDir = UserHome.capstan("store");

  @Option(names = "--bind-address", description = "address the Raft and client ports listen on (default: 127.0.0.1)")
  String bindAddress = "127.0.0.1";

  @Option(names = "--raft-port", description = "Ratis peer port (default: 2380)")
  int raftPort = 2380;

  @Option(names = "--client-port", description = "etcd v3 API port (default: 2379)")
  int clientPort = 2379;

  @Option(names = "--initial-cluster", split = ",", description = "every member as NAME=HOST:RAFT_PORT, this one"
      + " included (default: this member alone)")
  List<String> initialCluster = new ArrayList<>();

  @Option(names = "--cluster-client-urls", split = ",", description = "every member's etcd client URL as"
      + " NAME=http://HOST:PORT, for MemberList (default: this member's only)")
  List<String> clusterClientUrls = new ArrayList<>();

  @Mixin
  AutoCompactionOptions compaction = new AutoCompactionOptions();

  @Option(names = "--snapshot-count", description = "log entries applied between two snapshots of this member, at"
      + " least; a snapshot also waits until the writes since the last one add up to its size (default: 10000)")
  long snapshotCount = RaftStorePeer.Tuning.defaults().snapshotThreshold();

  @Mixin
  PeerTlsOptions peerTls = new PeerTlsOptions();

  @Mixin
  ClientPortTlsOptions clientTls = new ClientPortTlsOptions();

  // ---- membership: joining a running store ----

  @Option(names = "--initial-cluster-state", description = "new: form the store with --initial-cluster;"
      + " existing: join a running store (start with an empty data dir, then run 'capstan store member add' on a"
      + " running member) (default: new)")
  String initialClusterState = "new";

  /** Starts the peer as a new group's member, or as one waiting to be added to a running group. */
  private RaftStorePeer startPeer(RaftStorePeer.Config storeConfig) throws java.io.IOException {
    return switch (initialClusterState) {
      case "new" -> new RaftStorePeer(storeConfig).start();
      case "existing" -> new RaftStorePeer(storeConfig).startJoining();
      default -> throw new CliException("--initial-cluster-state: expected new or existing, got '"
          + initialClusterState + "'");
    };
  }

  // ---- end of membership ----

  /** {@code base} with this command's compaction and snapshot flags; refuses bad values naming the flag. */
  RaftStorePeer.Tuning tuning(RaftStorePeer.Tuning base) {
    if (snapshotCount < 1) {
      throw new CliException("--snapshot-count: must be at least 1, got " + snapshotCount);
    }
    return base.withAutoCompaction(compaction.policy(AutoCompactionOptions.STORE_RETENTION))
        .withSnapshotThreshold(snapshotCount);
  }

  @Override
  public Integer call() throws Exception {
    String host = ControlPlane.loopbackAddress(bindAddress);
    String raftAddress = host + ":" + raftPort;
    RaftStorePeer.Config storeConfig = InitialCluster.storeConfig(name, dataDir, raftAddress, initialCluster);
    storeConfig = storeConfig.withTuning(tuning(storeConfig.tuning()))
        .withTls(peerTls.tls(InitialCluster.ownHost(storeConfig), Clock.systemUTC()));
    List<String> peers = storeConfig.peers();
    Map<String, List<String>> clientUrls = new LinkedHashMap<>();
    for (String spec : clusterClientUrls) {
      int eq = spec.indexOf('=');
      if (eq <= 0) {
        throw new CliException("--cluster-client-urls: expected NAME=URL, got \"" + spec + "\"");
      }
      clientUrls.put(spec.substring(0, eq), List.of(spec.substring(eq + 1)));
    }
    clientUrls.putIfAbsent(name, List.of(clientTls.scheme() + host + ":" + clientPort));
    ServerCredentials clientPortCredentials = clientTls.credentials();
    Files.createDirectories(dataDir);
    RaftStorePeer peer;
    try {
      peer = startPeer(storeConfig);
    } catch (java.io.IOException e) {
      throw new CliException("--raft-port: cannot start the store member on " + raftAddress + " with data in "
          + dataDir + ": " + e.getMessage());
    }
    RatisKeyValueStore store = new RatisKeyValueStore(peer);
    EtcdEndpoint endpoint;
    try {
      endpoint = EtcdEndpoint.start(peer, store, new InetSocketAddress(bindAddress, clientPort), clientUrls,
          clientPortCredentials);
    } catch (java.io.IOException e) {
      store.close();
      peer.close();
      throw new CliException("--client-port: cannot listen on " + bindAddress + ":" + clientPort + ": " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      endpoint.close();
      store.close();
      peer.close();
      stopped.countDown();
    }, "capstan-store-shutdown"));
    System.out.println("capstan store \"" + name + "\" is up");
    System.out.println("  etcd v3 API:    " + host + ":" + endpoint.port() + (clientTls.enabled() ? " (TLS)" : ""));
    System.out.println("  Raft peer:      " + raftAddress + " in " + String.join(",", peers)
        + (storeConfig.tls().isPresent() ? " (mutual TLS)" : " (plaintext)"));
    System.out.println("  data dir:       " + dataDir.toAbsolutePath());
    System.out.println("  compaction:     " + storeConfig.tuning().autoCompaction());

    if (initialClusterState.equals("existing")) {
      System.out.println("  waiting to be added: capstan store member add " + name + " --peer-urls http://" + raftAddress
          + " --client-urls " + clientTls.scheme() + host + ":" + endpoint.port()
          + " --endpoints <a running member>");
    }
    System.out.flush();
    stopped.await();
    return 0;
  }
}

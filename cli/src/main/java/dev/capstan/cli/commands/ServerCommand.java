package dev.capstan.cli.commands;

import dev.capstan.cli.daemon.ClusterTokens;
import dev.capstan.cli.daemon.ControlPlane;
import dev.capstan.client.config.UserHome;
import dev.capstan.store.ratis.PeerTls;
import dev.capstan.store.ratis.RaftStorePeer;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code capstan server}: one control-plane member. Several, each naming all the others in
 * {@code --initial-cluster}, form an HA cluster on one replicated store: every member serves the
 * API (reads, writes and watches), and the scheduler and controller manager run on one member at
 * a time, moving to another when it fails. With {@code --etcd-servers} the members keep the
 * cluster's objects in an external etcd instead (the kube-apiserver's flags) and run no store.
 */
@Command(name = "server", description = "Run one control-plane member (store peer, API, scheduler, controllers);"
    + " with --etcd-servers, on an external etcd instead of a store peer of its own.")
public final class ServerCommand implements Callable<Integer> {
  @Option(names = "--name", description = "this member's name (default: the host name)")
  String name;

  @Option(names = "--data-dir", description = "where this member keeps its data (default: ~/.capstan/server)")
  Path dataDir = UserHome.capstan("server");

  @Option(names = "--bind-address", description = "address the API and Raft ports listen on (default: 127.0.0.1)")
  String bindAddress = "127.0.0.1";

  @Option(names = "--api-port", description = "API (gRPC) port (default: 6443)")
  int apiPort = 6443;

  @Option(names = "--raft-port", description = "Ratis peer port (default: 2380)")
  int raftPort = 2380;

  @Option(names = "--etcd-port", description = "the store's etcd v3 endpoint, on loopback only; TLS with --cert-file"
      + " (default: 2379; 0 turns it off)")
  int etcdPort = 2379;

  @Option(names = "--initial-cluster", split = ",", description = "every member as NAME=HOST:RAFT_PORT, this one"
      + " included, e.g. s1=127.0.0.1:2380,s2=127.0.0.1:2381,s3=127.0.0.1:2382 (default: this member alone)")
  List<String> initialCluster = new ArrayList<>();

  @Option(names = "--token-auth-file", description = "static token file (token,user,uid,\"groups\"), the same on"
      + " every member; users the control plane needs are added when missing (default: <data-dir>/tokens.csv)")
  Path tokenAuthFile;

  @Option(names = "--initial-cluster-state", description = "new: form the store with --initial-cluster;"
      + " existing: join a running cluster (start with an empty data dir and the cluster's token file, then run"
      + " 'capstan store member add' against a running member) (default: new)")
  String initialClusterState = "new";

  @Option(names = "--tls-san", split = ",", description = "more names or IP addresses for the API's serving"
      + " certificate (it always holds localhost, 127.0.0.1, ::1, the host name and --bind-address)")
  List<String> tlsSans = new ArrayList<>();

  @Mixin
  AutoCompactionOptions compaction = new AutoCompactionOptions();

  @Mixin
  PeerTlsOptions peerTls = new PeerTlsOptions();

  @Mixin
  ClientPortTlsOptions etcdTls = new ClientPortTlsOptions();

  @Mixin
  ApiServingFlags serving = new ApiServingFlags();

  @Mixin
  ServiceRangeFlags serviceRanges = new ServiceRangeFlags();

  @Mixin
  ControllerFlags controllerFlags = new ControllerFlags();

  @Mixin
  ExternalEtcdOptions externalEtcd = new ExternalEtcdOptions();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    externalEtcd.requireServersForTheOthers();
    String member = name != null ? name : InetAddress.getLocalHost().getHostName().toLowerCase();
    List<String> storeLines = new ArrayList<>();
    ControlPlane controlPlane = externalEtcd.enabled() ? startOnExternalEtcd(member, storeLines)
        : startWithOwnStore(member, storeLines);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("capstan server: stopping");
      controlPlane.close();
      stopped.countDown();
    }, "capstan-server-shutdown"));
    String api = ControlPlane.loopbackAddress(bindAddress) + ":" + controlPlane.apiPort();
    System.out.println("capstan server \"" + member + "\" is up");
    System.out.println("  API (gRPC+TLS): " + api);
    storeLines.forEach(System.out::println);
    if (controlPlane.metricsPort() > 0) {
      System.out.println("  metrics:        http://" + ControlPlane.loopbackAddress(bindAddress) + ":"
          + controlPlane.metricsPort() + "/metrics");
    }
    System.out.println("  data dir:       " + dataDir.toAbsolutePath());
    System.out.println("  token file:     " + tokenFile().toAbsolutePath());
    System.out.println("  cluster CA:     " + ControlPlane.caCertificate(dataDir).toAbsolutePath());
    System.out.println("Agents join with: capstan agent --server " + api + " --certificate-authority "
        + ControlPlane.caCertificate(dataDir).toAbsolutePath() + " --token <a token of group system:bootstrappers"
        + " in the token file>");
    System.out.flush();
    stopped.await();
    return 0;
  }

  private Path tokenFile() {
    return tokenAuthFile != null ? tokenAuthFile : dataDir.resolve("tokens.csv");
  }

  private ClusterTokens tokens() throws java.io.IOException {
    Files.createDirectories(dataDir);
    return ClusterTokens.ensure(tokenFile(), null, new SecureRandom());
  }

  /** A member with a Raft store peer of its own (and the store's etcd port). */
  private ControlPlane startWithOwnStore(String member, List<String> storeLines) throws java.io.IOException {
    boolean joining = switch (initialClusterState) {
      case "new" -> false;
      case "existing" -> true;
      default -> throw new CliException("--initial-cluster-state: expected new or existing, got '"
          + initialClusterState + "'");
    };
    String raftAddress = ControlPlane.loopbackAddress(bindAddress) + ":" + raftPort;
    RaftStorePeer.Config storeConfig = InitialCluster.storeConfig(member, dataDir.resolve("store"), raftAddress,
        initialCluster);
    List<String> peers = storeConfig.peers();
    Optional<PeerTls> raftTls = peerTls.tls(InitialCluster.ownHost(storeConfig), Clock.systemUTC());
    ServerCredentials etcdCredentials = etcdTls.credentials();
    var autoCompaction = compaction.policy(AutoCompactionOptions.CONTROL_PLANE_RETENTION);
    ClusterTokens tokens = tokens();
    if (joining) {
      // Before starting: the start returns only once the running store has added this member.
      String etcd = etcdPort != 0 ? " --client-urls " + etcdTls.scheme() + ControlPlane.etcdHost(bindAddress) + ":" + etcdPort
          : "";
      System.out.println("capstan server \"" + member + "\" waits to be added to the running cluster; on a member run:");
      System.out.println("  capstan store member add " + member + " --peer-urls http://" + raftAddress + etcd
          + " --endpoints <a running member's etcd endpoint>");
      System.out.flush();
    }
    ControlPlane controlPlane = ControlPlane.startMember(new ControlPlane.MemberConfig(member, dataDir, bindAddress,
        apiPort, raftAddress, peers, etcdPort, tokens, autoCompaction, serving.options(), serviceRanges.ranges(),
        tlsSans, joining, controllerFlags.options(), raftTls, etcdCredentials), Clock.systemUTC());
    storeLines.add("  Raft peer:      " + raftAddress + " in " + String.join(",", peers)
        + (raftTls.isPresent() ? " (mutual TLS)" : " (plaintext)"));
    if (controlPlane.etcdPort() != 0) {
      storeLines.add("  etcd v3 API:    " + etcdTls.scheme() + ControlPlane.etcdHost(bindAddress) + ":"
          + controlPlane.etcdPort() + (etcdTls.enabled() ? " (TLS)" : " (plaintext, loopback only)"));
    }
    return controlPlane;
  }

  /** A member whose objects live in the external etcd of --etcd-servers. */
  private ControlPlane startOnExternalEtcd(String member, List<String> storeLines) throws java.io.IOException {
    refuseOwnStoreFlags();
    ChannelCredentials credentials = externalEtcd.credentials();
    Duration compactionInterval = externalEtcd.compactionInterval();
    externalEtcd.requireAnAnsweringMember(credentials);
    ControlPlane controlPlane = ControlPlane.startOnExternalStore(new ControlPlane.ExternalStoreConfig(member,
        dataDir, bindAddress, apiPort, externalEtcd.servers(), credentials, compactionInterval, tokens(),
        serving.options(), serviceRanges.ranges(), tlsSans, controllerFlags.options()), Clock.systemUTC());
    String compaction = compactionInterval.isZero() ? " (not compacted by the servers)"
        : " (compacted every " + compactionInterval.toString().substring(2).toLowerCase() + ")";
    storeLines.add("  store:          etcd at " + String.join(",", externalEtcd.servers()) + compaction);
    return controlPlane;
  }

  /** The flags of a server's own store, which mean nothing with --etcd-servers. */
  private void refuseOwnStoreFlags() {
    for (OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
      if (OWN_STORE_FLAGS.contains(option.longestName())) {
        throw new CliException(option.longestName() + ": this server keeps no store of its own with "
            + ExternalEtcdOptions.SERVERS_FLAG + " (the external etcd is the store)");
      }
    }
  }

  private static final Set<String> OWN_STORE_FLAGS = Set.of("--raft-port", "--etcd-port", "--initial-cluster",
      "--initial-cluster-state", "--auto-compaction-mode", "--auto-compaction-retention", PeerTlsOptions.CERT_FLAG,
      PeerTlsOptions.KEY_FLAG, PeerTlsOptions.CA_FLAG, ClientPortTlsOptions.CERT_FLAG, ClientPortTlsOptions.KEY_FLAG,
      ClientPortTlsOptions.CA_FLAG, ClientPortTlsOptions.CLIENT_AUTH_FLAG);
}

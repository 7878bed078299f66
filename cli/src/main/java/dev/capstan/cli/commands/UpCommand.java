package dev.capstan.cli.commands;

import dev.capstan.agent.Agent;
import dev.capstan.agent.AgentConfig;
import dev.capstan.agent.metrics.AgentMetrics;
import dev.capstan.agent.NodeRuntime;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.cli.daemon.ClusterTokens;
import dev.capstan.cli.daemon.ControlPlane;
import dev.capstan.client.config.ClientConfig;
import dev.capstan.client.config.UserHome;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code capstan up}: a whole single-node cluster in one process — store peer, apiserver,
 * scheduler, controllers and a node agent — with its data under {@code --data-dir}. The API
 * serves TLS from the cluster CA; every component authenticates with a client certificate of its
 * own; the admin's certificate and token go into the client config it writes. Runs until
 * interrupted; stopping it stops every pod it ran.
 */
@Command(name = "up", description = "Run a single-node cluster in this process (store, API, scheduler, controllers, agent).")
public final class UpCommand implements Callable<Integer> {
  @Option(names = "--data-dir", description = "where the cluster keeps its data (default: ~/.capstan/data)")
  Path dataDir = UserHome.capstan("data");

  @Option(names = "--bind-address", description = "address the API and agent listen on (default: 127.0.0.1;"
      + " the agent port has no TLS yet, so it stays on loopback unless you say otherwise)")
  String bindAddress = "127.0.0.1";

  @Option(names = "--api-port", description = "API (gRPC) port (default: 6443)")
  int apiPort = 6443;

  @Option(names = "--raft-port", description = "Ratis peer port (default: 2380)")
  int raftPort = 2380;

  @Option(names = "--etcd-port", description = "the store's etcd v3 endpoint, for etcdctl and etcd clients"
      + " (default: 2379; 0 turns it off)")
  int etcdPort = 2379;

  @Option(names = "--agent-port", description = "agent port for logs (default: 10250)")
  int agentPort = 10250;

  @Option(names = "--node-name", description = "this node's name (default: the host name)")
  String nodeName;

  @Option(names = "--token-auth-file", description = "static token file (token,user,uid,\"groups\"); created with"
      + " random tokens for the admin and the components when missing (default: <data-dir>/tokens.csv)")
  Path tokenAuthFile;

  @Option(names = "--runtime", description = "container runtime: containerd (the agent's own containerd, or the one"
      + " at --containerd-socket), podman (the agent's own podman API service, or the one at --podman-socket) or"
      + " process (plain host processes, no isolation). Default: podman with --podman-socket, containerd where"
      + " /usr/bin/containerd exists and up runs as root, else process (with a warning)")
  String runtimeName;

  @Option(names = "--containerd-socket", description = "use the containerd at this socket instead of starting one")
  Path containerdSocket;

  @Option(names = "--podman-socket", description = "use the podman API service (podman system service) at this"
      + " socket instead of starting one")
  Path podmanSocket;

  @Option(names = "--config", description = "where to write the client config (default: $CAPSTAN_CONFIG or ~/.capstan/config)")
  Path configPath;

  @Option(names = "--tls-san", split = ",", description = "more names or IP addresses for the API's serving"
      + " certificate (it always holds localhost, 127.0.0.1, ::1, the host name and --bind-address)")
  List<String> tlsSans = new java.util.ArrayList<>();

  @Mixin
  AutoCompactionOptions compaction = new AutoCompactionOptions();

  @Mixin
  ApiServingFlags serving = new ApiServingFlags();

  @Mixin
  ServiceRangeFlags serviceRanges = new ServiceRangeFlags();

  @Mixin
  ControllerFlags controllerFlags = new ControllerFlags();

  @Override
  public Integer call() throws Exception {
    var autoCompaction = compaction.policy(AutoCompactionOptions.CONTROL_PLANE_RETENTION);
    Files.createDirectories(dataDir);
    String node = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase();
    Clock clock = Clock.systemUTC();
    ClusterTokens tokens = ClusterTokens.ensure(tokenAuthFile != null ? tokenAuthFile : dataDir.resolve("tokens.csv"),
        node, new SecureRandom());
    ControlPlane controlPlane = ControlPlane.startSingleNode(
        new ControlPlane.Config(dataDir, bindAddress, apiPort, raftPort, etcdPort, tokens, autoCompaction,
            serving.options(), serviceRanges.ranges(), tlsSans, controllerFlags.options()), clock);
    String nodeAddress = ControlPlane.loopbackAddress(bindAddress);
    // No --runtime: containerd where it is usable (or --containerd-socket names one), else the
    // process runtime with a warning saying why (NodeRuntime.open).
    NodeRuntime runtime;
    try {
      runtime = NodeRuntime.open(Optional.ofNullable(runtimeName).map(NodeRuntime.Kind::parse), dataDir.resolve("agent"), nodeAddress,
          Optional.ofNullable(containerdSocket),
          Optional.ofNullable(podmanSocket), clock, notice -> System.err.println("capstan up: " + notice));
    } catch (IOException | RuntimeException e) {
      controlPlane.close();
      throw e;
    }
    Agent agent;
    try {
      // The agent's metrics join the control plane's on its one /metrics port.
      // The agent's port serves mutual TLS with a certificate the CA in this process issues.
      agent = new Agent(AgentConfig.of(node, dataDir.resolve("agent"), nodeAddress, agentPort, runtime.runtime())
          .withTls(controlPlane.agentTls(node, ServingCertificate.names(List.of(nodeAddress, node)))),
          controlPlane.connectAs(new Subject(UserInfo.NODE_USER_PREFIX + node, List.of(UserInfo.SYSTEM_NODES))),
          clock, new AgentMetrics(controlPlane.metricsRegistry()));
      agent.start();
    } catch (RuntimeException e) {
      runtime.close();
      controlPlane.close();
      throw e;
    }
    String api = controlPlane.apiAddress();
    Path config = configPath != null ? configPath : ClientConfig.defaultPath();
    // The admin's config holds both its certificate (CN admin, O system:masters) and its token.
    ClientConfig.single("capstan", List.of(api), tokens.tokenOf(ClusterTokens.ADMIN), controlPlane.clientCertificate(
        new Subject(ClusterTokens.ADMIN, List.of(UserInfo.SYSTEM_MASTERS)))).save(config);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("capstan up: stopping");
      agent.close();
      runtime.close();
      controlPlane.close();
      stopped.countDown();
    }, "capstan-shutdown"));

    System.out.println("Capstan is up: a single-node cluster, node \"" + node + "\"");
    System.out.println("  API (gRPC+TLS): " + api);
    System.out.println("  Raft peer:      " + bindAddress + ":" + raftPort);
    if (controlPlane.etcdPort() != 0) {
      String etcd = "https://" + ControlPlane.etcdHost(bindAddress) + ":" + controlPlane.etcdPort();
      System.out.println("  etcd v3 API:    " + etcd + " (mutual TLS, loopback only)");
      controlPlane.etcdClientFiles().ifPresent(files -> System.out.println("  etcdctl:        etcdctl --endpoints "
          + etcd + " --cacert " + files.caCertificate().toAbsolutePath() + " --cert "
          + files.certificate().toAbsolutePath() + " --key " + files.key().toAbsolutePath()));
    }
    System.out.println("  agent:          " + ControlPlane.loopbackAddress(bindAddress) + ":" + agent.port());
    if (controlPlane.metricsPort() > 0) {
      System.out.println("  metrics:        http://" + ControlPlane.loopbackAddress(bindAddress) + ":"
          + controlPlane.metricsPort() + "/metrics");
    }
    System.out.println("  runtime:        " + runtime.description());
    System.out.println("  data dir:       " + dataDir.toAbsolutePath());
    System.out.println("  client config:  " + config.toAbsolutePath() + " (admin certificate and token)");
    System.out.println("  cluster CA:     " + ControlPlane.caCertificate(dataDir).toAbsolutePath());
    System.out.println("  token file:     " + tokens.file().toAbsolutePath());
    System.out.println("Try: capstan get nodes");
    System.out.flush();
    stopped.await();
    return 0;
  }
}

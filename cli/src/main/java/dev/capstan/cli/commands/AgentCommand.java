package dev.capstan.cli.commands;

import dev.capstan.agent.Agent;
import dev.capstan.agent.AgentConfig;
import dev.capstan.agent.metrics.AgentMetrics;
import dev.capstan.agent.server.AgentTls;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.agent.NodeRuntime;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.cli.daemon.NodeCredentials;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.config.UserHome;
import dev.capstan.client.metrics.MetricsEndpoint;
import dev.capstan.client.tls.CertificateExpiryGauge;
import dev.capstan.client.tls.CertificateRotations;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code capstan agent --server HOST:PORT --certificate-authority CA --token T}: a node agent
 * joining a cluster. With the bootstrap token it gets a client certificate of its own
 * ({@link NodeCredentials}), kept in its data dir, and authenticates with that from then on.
 * Its Prometheus metrics (the agent's and the JVM's) are served on {@code --metrics-port}.
 */
@Command(name = "agent", description = "Run a node agent that joins a cluster.")
public final class AgentCommand implements Callable<Integer> {
  @Option(names = {"-s", "--server"}, required = true, description = "API server address host:port")
  String server;

  @Option(names = "--token", description = "bootstrap token (a user in group system:bootstrappers, or this node's"
      + " own) to ask the cluster for this node's certificate with; needed until the agent has one")
  String token;

  @Option(names = "--certificate-authority", description = "the cluster CA's certificate (PEM; a server keeps it in"
      + " <data-dir>/pki/ca.crt) to verify the API server with; needed on the first start")
  Path certificateAuthority;

  @Option(names = "--token-file", description = "file holding the bearer token (its first line)")
  Path tokenFile;

  @Option(names = "--data-dir", description = "where the agent keeps pod data and logs (default: ~/.capstan/agent)")
  Path dataDir = UserHome.capstan("agent");

  @Option(names = "--node-name", description = "this node's name (default: the host name)")
  String nodeName;

  @Option(names = "--advertise-address", description = "the IP other components reach this node at (default: 127.0.0.1)")
  String advertiseAddress = "127.0.0.1";

  @Option(names = "--agent-port", description = "agent port for logs (default: 10250)")
  int agentPort = 10250;

  /** The kubelet's read-only port, where its metrics used to be served without authentication. */
  static final int DEFAULT_METRICS_PORT = 10255;

  @Option(names = "--metrics-port", description = "Prometheus /metrics over plain HTTP, on the advertise address"
      + " (default: " + DEFAULT_METRICS_PORT + "; 0 turns it off)")
  int metricsPort = DEFAULT_METRICS_PORT;

  @Option(names = "--runtime", description = "container runtime: containerd (the agent's own containerd, or the one"
      + " at --containerd-socket), podman (the agent's own podman API service, or the one at --podman-socket) or"
      + " process (plain host processes, no isolation). Default: podman with --podman-socket, containerd where"
      + " /usr/bin/containerd exists and the agent runs as root, else process")
  String runtimeName;

  @Option(names = "--containerd-socket", description = "use the containerd at this socket instead of starting one")
  Path containerdSocket;

  @Option(names = "--podman-socket", description = "use the podman API service (podman system service) at this"
      + " socket instead of starting one")
  Path podmanSocket;

  private String token() throws java.io.IOException {
    if (token != null && tokenFile != null) {
      throw new CliException("give either --token or --token-file, not both");
    }
    if (tokenFile != null) {
      String first = Files.readAllLines(tokenFile).stream().map(String::strip).filter(l -> !l.isEmpty())
          .findFirst().orElseThrow(() -> new CliException("the token file " + tokenFile + " is empty"));
      return first;
    }
    return token;
  }

  @Override
  public Integer call() throws Exception {
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new CliException("--metrics-port must be 1-65535, or 0 to turn metrics off; got " + metricsPort);
    }
    Files.createDirectories(dataDir);
    String node = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase();
    String caPem = certificateAuthority == null ? null : Files.readString(certificateAuthority);
    ClientTls tls;
    AgentTls servingTls;
    Clock clock = Clock.systemUTC();
    Path pki = dataDir.resolve("pki");
    List<String> servingNames = ServingCertificate.names(List.of(advertiseAddress, node));
    try {
      tls = NodeCredentials.ensure(pki, node, server, caPem, token(), clock);
      // The agent's port serves TLS under a certificate for the node's names, from the same CA.
      servingTls = NodeCredentials.serving(pki, node, servingNames, server, tls, clock);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    // Both certificates are renewed while the agent runs, at 70-90 % of their life.
    CertificateRotations rotations = new CertificateRotations(clock, CertificateExpiryGauge.register(registry));
    CapstanClient client = CapstanClient.connect(server, null,
        NodeCredentials.rotate(rotations, pki, node, servingNames, server, tls, servingTls));
    NodeRuntime runtime;
    try {
      runtime = NodeRuntime.open(Optional.ofNullable(runtimeName).map(NodeRuntime.Kind::parse), dataDir,
          advertiseAddress, Optional.ofNullable(containerdSocket),
          Optional.ofNullable(podmanSocket), clock,
          notice -> System.err.println("capstan agent: " + notice));
    } catch (IOException | RuntimeException e) {
      client.close();
      rotations.close();
      throw e;
    }
    // Like a kubelet, a restarted agent adopts the pods still running, where the runtime keeps them.
    boolean adopt = runtime.runtime().features().contains(RuntimeFeature.SURVIVES_AGENT_RESTART);
    Agent agent = new Agent(AgentConfig.of(node, dataDir, advertiseAddress, agentPort, runtime.runtime())
        .withStopPodsOnClose(!adopt).withTls(servingTls), client, clock, new AgentMetrics(registry));
    MetricsEndpoint metrics = null;
    try {
      agent.start();
      if (metricsPort != 0) {
        metrics = MetricsEndpoint.start(advertiseAddress, metricsPort, registry);
      }
    } catch (RuntimeException e) {
      agent.close();
      runtime.close();
      client.close();
      rotations.close();
      throw e;
    }
    MetricsEndpoint endpoint = metrics;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (endpoint != null) {
        endpoint.close();
      }
      agent.close();
      runtime.close();
      client.close();
      rotations.close();
      stopped.countDown();
    }, "capstan-agent-shutdown"));
    System.out.println("capstan agent: node \"" + node + "\" joined " + server + ", listening on port " + agent.port()
        + (endpoint == null ? "" : ", metrics at http://" + advertiseAddress + ":" + endpoint.port() + "/metrics"));
    System.out.flush();
    stopped.await();
    return 0;
  }
}

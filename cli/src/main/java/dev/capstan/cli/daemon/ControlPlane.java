package dev.capstan.cli.daemon;

import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.allocation.ServiceRanges;
import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.StoreReadiness;
import dev.capstan.apiserver.authz.BootstrapPolicy;
import dev.capstan.agent.server.AgentTls;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.pki.AgentClientCertificate;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.ClusterCa;
import dev.capstan.apiserver.pki.PeerCertificates;
import dev.capstan.apiserver.pki.ServerTls;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.apiserver.pki.TlsIdentity;
import dev.capstan.apiserver.metrics.StoreMetrics;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.tls.CertificateRotations;
import dev.capstan.client.tls.CertifiedKey;
import dev.capstan.client.tls.SwappableKeyManager;
import dev.capstan.controllers.ControllerManager;
import dev.capstan.controllers.ControllerOptions;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.scheduler.Scheduler;
import dev.capstan.scheduler.SchedulerMetrics;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.etcd.EtcdEndpoint;
import dev.capstan.store.ratis.AutoCompaction;
import dev.capstan.store.ratis.PeerTls;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import dev.capstan.store.remote.EtcdKeyValueStore;
import dev.capstan.store.remote.IntervalCompactor;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control-plane member in one process: a Ratis store peer (or a client of an external etcd,
 * {@link ExternalStoreConfig}), the apiserver on it over TLS with
 * the cluster CA (client-certificate and bearer-token authentication from the cluster's token
 * file, RBAC, NodeRestriction), and the scheduler and controller manager talking to that
 * apiserver over gRPC with client certificates of their own (hub and spoke, DESIGN §1). Closing
 * stops them in reverse order.
 *
 * <p>The store peer's, the scheduler's and the controllers' metrics go to the apiserver's registry,
 * so its one {@code /metrics} port serves the whole member ({@link #metricsRegistry}, for an agent
 * in the same process).
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
  private static final String CA_FILE = "ca.crt";
  /** How long a starting server waits for the store to answer (a quorum of peers to be up). */
  private static final Duration STORE_WAIT = Duration.ofSeconds(60);

  /**
   * Where a single-node control plane listens and keeps its data, and how much store history it
   * keeps ({@code autoCompaction}).
   */
  public record Config(Path dataDir, String bindAddress, int apiPort, int raftPort, int etcdPort,
      ClusterTokens tokens, AutoCompaction autoCompaction, ServingOptions serving, ServiceRanges serviceRanges,
      List<String> tlsSans, ControllerOptions controllerOptions) {
    /** With the controller manager's default options. */
    public Config(Path dataDir, String bindAddress, int apiPort, int raftPort, int etcdPort,
        ClusterTokens tokens, AutoCompaction autoCompaction, ServingOptions serving, ServiceRanges serviceRanges,
        List<String> tlsSans) {
      this(dataDir, bindAddress, apiPort, raftPort, etcdPort, tokens, autoCompaction, serving, serviceRanges, tlsSans,
          ControllerOptions.defaults());
    }
  }

  /**
   * One member of a multi-server control plane.
   *
   * @param name this member's store peer id and leader-election identity
   * @param dataDir where its store keeps the Raft log and snapshots
   * @param bindAddress the address its API and Raft ports listen on
   * @param apiPort the API (gRPC) port
   * @param raftAddress this member's {@code host:port} for Raft traffic, as listed in {@code peers}
   * @param peers every member of the store group as {@code name=host:port}, this one included
   * @param etcdPort the port of this member's etcd v3 endpoint; 0 for none
   * @param tokens the cluster's static tokens, the same file on every member
   * @param autoCompaction how much MVCC history the store keeps before its leader compacts it
   * @param serving the apiserver's metrics port, audit log and rate limit
   * @param serviceRanges Services' cluster IP and node port ranges, the same on every member
   * @param tlsSans names and addresses the serving certificate holds besides the loopback ones,
   *     the host name and the bind address
   * @param joinExisting start as a new member of a running store: with an empty data dir, waiting
   *     to be added ({@code capstan store member add}) instead of forming a group from {@code peers}
   * @param controllerOptions the controller manager's flags ({@code --node-monitor-grace-period}, ...)
   * @param peerTls mutual TLS on the Raft port ({@code --peer-cert-file} and its companions); empty
   *     for plaintext
   * @param etcdCredentials what the etcd port serves: TLS ({@code --cert-file} and its companions)
   *     or plaintext
   */
  public record MemberConfig(String name, Path dataDir, String bindAddress, int apiPort, String raftAddress,
      List<String> peers, int etcdPort, ClusterTokens tokens, AutoCompaction autoCompaction,
      ServingOptions serving, ServiceRanges serviceRanges, List<String> tlsSans, boolean joinExisting,
      ControllerOptions controllerOptions, Optional<PeerTls> peerTls, ServerCredentials etcdCredentials) {}

  /**
   * One member of a control plane that keeps its objects in an external etcd v3 cluster instead
   * of a Raft store of its own (the kube-apiserver's {@code --etcd-servers}): an apiserver on that
   * store and the leader-elected scheduler and controller manager. Any number of members on one
   * etcd form an HA control plane; the first one makes the cluster CA there.
   *
   * @param etcdServers the etcd members' client URLs ({@code https://host:port} with TLS)
   * @param etcdCredentials how they are dialed: TLS (CA, client certificate) or plaintext
   * @param compactionInterval how often the store's history is compacted ({@link IntervalCompactor});
   *     zero for never
   */
  public record ExternalStoreConfig(String name, Path dataDir, String bindAddress, int apiPort,
      List<String> etcdServers, ChannelCredentials etcdCredentials, Duration compactionInterval, ClusterTokens tokens,
      ServingOptions serving, ServiceRanges serviceRanges, List<String> tlsSans, ControllerOptions controllerOptions) {}

  /** What the apiserver and the leader-elected work of a member need, whatever its store. */
  private record ApiMember(String name, Path dataDir, String bindAddress, int apiPort, ClusterTokens tokens,
      ServingOptions serving, ServiceRanges serviceRanges, List<String> tlsSans, ControllerOptions controllerOptions) {}

  /**
   * Mutual TLS for the Raft port of {@code capstan up}'s one-member store, from its peer CA
   * (see {@link #singlePeerCaDir}; the certificate renewed at a start when it nears its end):
   * nothing without that CA's certificate can speak Raft to the store.
   */
  private static PeerTls singlePeerTls(Path dir, CertificateAuthority ca, Clock clock, SecureRandom random) {
    return peerTls(PeerCertificates.ensure(dir, ca, RaftStorePeer.SINGLE_ID, List.of(RaftStorePeer.SINGLE_HOST),
        clock, random), ca);
  }

  /** A member's Raft-port TLS: its certificate from the peer CA {@code ca}, trusting that CA only. */
  static PeerTls peerTls(TlsIdentity member, CertificateAuthority ca) {
    return new PeerTls(member.certifiedKey().key(), member.certificate(), List.of(ca.certificate()));
  }

  /**
   * Where {@code capstan up} keeps the store's peer CA (made at first start), which issues the
   * Raft port's certificate and the etcd port's ({@code <data-dir>/pki/etcd}).
   */
  private static Path singlePeerCaDir(Path dataDir) {
    return dataDir.resolve("pki").resolve("peer");
  }

  /** The API's serving certificate, in logs and capstan_certificate_expiration_seconds. */
  static final String SERVING_ROTATION = "apiserver-serving";
  /** How long a member started to join a running store waits to be added before it gives up. */
  private static final Duration JOIN_WAIT = Duration.ofHours(24);

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private ApiServer apiServer;
  private ServerTls tls;
  /** Renew this process's certificates while it runs; started with the apiserver. */
  private CertificateRotations rotations;
  private String apiAddress;
  private int etcdPort;
  /** What an etcd client of {@code capstan up} needs; null for {@code server} or with the port off. */
  private EtcdPortCertificates.ClientFiles etcdClientFiles;

  public static ControlPlane startSingleNode(Config config, Clock clock) {
    return startOrClose(cp -> cp.start(config, clock));
  }

  /**
   * Starts a member of a multi-server control plane (DESIGN §8): a store peer in the group of
   * {@code peers}, an apiserver on it, and the scheduler and controller manager, each active on
   * one member at a time through leader election. Returns once the apiserver serves; the store
   * answers once a quorum of peers is up.
   */
  public static ControlPlane startMember(MemberConfig config, Clock clock) {
    return startOrClose(cp -> cp.startMemberParts(config, clock));
  }

  /** Starts a member on an external etcd ({@link ExternalStoreConfig}); returns once the apiserver serves. */
  public static ControlPlane startOnExternalStore(ExternalStoreConfig config, Clock clock) {
    return startOrClose(cp -> cp.startOnExternalStoreParts(config, clock));
  }

  /** Runs {@code start}; if it fails, stops whatever it had started before rethrowing. */
  private static ControlPlane startOrClose(java.util.function.Consumer<ControlPlane> start) {
    ControlPlane cp = new ControlPlane();
    try {
      start.accept(cp);
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
    return cp;
  }

  private void startMemberParts(MemberConfig config, Clock clock) {
    RaftStorePeer peer;
    try {
      RaftStorePeer created = new RaftStorePeer(RaftStorePeer.Config.of(config.name(), config.dataDir().resolve("store"),
          config.raftAddress(), config.peers())
          .withTuning(RaftStorePeer.Tuning.defaults().withAutoCompaction(config.autoCompaction()))
          .withTls(config.peerTls()));
      // A joining member's apiserver starts at once and answers UNAVAILABLE until the store has
      // added it and it has caught up (the apiserver's start-up work waits for the store).
      peer = config.joinExisting() ? created.startJoining() : created.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start the store peer " + config.name() + " on "
          + config.raftAddress() + " with data in " + config.dataDir().resolve("store") + ": " + e.getMessage(), e);
    }
    started.push(peer);
    KeyValueStore store = new RatisKeyValueStore(peer);
    started.push(store);
    startEtcdEndpoint(peer, store, config.bindAddress(), config.etcdPort(), config.etcdCredentials());
    if (config.joinExisting()) {
      log.info("store peer {} waits to be added to the running store (capstan store member add {} --peer-urls http://{})",
          config.name(), config.name(), config.raftAddress());
    }
    // A joining member can make its certificates and start its apiserver only once an operator has
    // added its peer and it has caught up.
    Duration storeWait = config.joinExisting() ? JOIN_WAIT : STORE_WAIT;
    startApiAndLeaderElectedWork(new ApiMember(config.name(), config.dataDir(), config.bindAddress(), config.apiPort(),
        config.tokens(), config.serving(), config.serviceRanges(), config.tlsSans(), config.controllerOptions()),
        store, storeWait, clock);
    StoreMetrics.register(metricsRegistry(), peer);
    log.info("control plane member {} started: api {}:{}, raft {}, peers {}", config.name(), config.bindAddress(),
        apiServer.port(), config.raftAddress(), config.peers());
  }

  private void startOnExternalStoreParts(ExternalStoreConfig config, Clock clock) {
    KeyValueStore store = new EtcdKeyValueStore(config.etcdServers(), EtcdKeyValueStore.DEFAULT_REQUEST_TIMEOUT,
        config.etcdCredentials());
    started.push(store);
    if (!config.compactionInterval().isZero()) {
      started.push(IntervalCompactor.start(store, config.compactionInterval()));
    }
    startApiAndLeaderElectedWork(new ApiMember(config.name(), config.dataDir(), config.bindAddress(), config.apiPort(),
        config.tokens(), config.serving(), config.serviceRanges(), config.tlsSans(), config.controllerOptions()),
        store, STORE_WAIT, clock);
    log.info("control plane member {} started: api {}:{}, store: etcd at {}", config.name(), config.bindAddress(),
        apiServer.port(), config.etcdServers());
  }

  /**
   * The apiserver on {@code store} (waiting up to {@code storeWait} for it to answer), and the
   * scheduler and controller manager, each active on one member at a time through leader election.
   */
  private void startApiAndLeaderElectedWork(ApiMember config, KeyValueStore store, Duration storeWait, Clock clock) {
    tls = clusterTls(store, config.dataDir(), config.bindAddress(), config.tlsSans(), clock, storeWait);
    apiServer = ApiServer.start(store, ApiServer.Config.defaults().withPort(config.apiPort())
        .withBindAddress(config.bindAddress()).withTls(tls)
        .withAuthentication(new TokenAuthenticator(config.tokens().entries())).withServing(config.serving())
        .withStoreWaitTimeout(storeWait)
        .withServiceRanges(config.serviceRanges()));
    started.push(apiServer);
    startCertificateRotations(config.dataDir(), config.bindAddress(), config.tlsSans(), clock);
    apiAddress = loopbackAddress(config.bindAddress()) + ":" + apiServer.port();
    // Created once: the scheduler and controller manager are rebuilt at each leadership gain.
    SchedulerMetrics schedulerMetrics = new SchedulerMetrics(metricsRegistry());
    ControllerMetrics controllerMetrics = new ControllerMetrics(metricsRegistry());
    CapstanClient schedulerClient = inProcessAs(BootstrapPolicy.SCHEDULER);
    LeaderElectedWork scheduler = new LeaderElectedWork("capstan-scheduler", config.name(), schedulerClient, clock,
        () -> {
          Scheduler s = new Scheduler(schedulerClient, clock, schedulerMetrics);
          s.start();
          return s;
        });
    scheduler.start();
    started.push(scheduler);
    CapstanClient controllerClient = inProcessAs(BootstrapPolicy.CONTROLLER_MANAGER);
    LeaderElectedWork controllers = new LeaderElectedWork("capstan-controller-manager", config.name(),
        controllerClient, clock, () -> {
          ControllerManager m = new ControllerManager(controllerClient, clock, ControllerManager.DEFAULT_WORKERS,
              ControllerManager.DEFAULT_CACHE_SYNC_TIMEOUT, ControllerManager.DEFAULT_RESYNC_PERIOD,
              config.controllerOptions().withRootCa(tls.ca().certificatePem()), controllerMetrics);
          m.start();
          return m;
        });
    controllers.start();
    started.push(controllers);
  }

  private void start(Config config, Clock clock) {
    Path peerCaDir = singlePeerCaDir(config.dataDir());
    SecureRandom random = new SecureRandom();
    CertificateAuthority peerCa = PeerCertificates.loadOrCreateCa(peerCaDir, clock, random);
    RaftStorePeer peer;
    try {
      peer = RaftStorePeer.startSingle(config.dataDir().resolve("store"), config.raftPort(),
          RaftStorePeer.Tuning.defaults().withAutoCompaction(config.autoCompaction()),
          Optional.of(singlePeerTls(peerCaDir, peerCa, clock, random)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start the store peer on port " + config.raftPort()
          + " with data in " + config.dataDir().resolve("store") + ": " + e.getMessage(), e);
    }
    started.push(peer);
    KeyValueStore store = new RatisKeyValueStore(peer);
    started.push(store);
    if (config.etcdPort() != 0) {
      EtcdPortCertificates etcdTls = EtcdPortCertificates.ensure(config.dataDir().resolve("pki").resolve("etcd"),
          peerCa, peerCaDir.resolve(PeerCertificates.CA_CERTIFICATE), clock, random);
      startEtcdEndpoint(peer, store, config.bindAddress(), config.etcdPort(), etcdTls.credentials());
      etcdClientFiles = etcdTls.clientFiles();
    }
    tls = clusterTls(store, config.dataDir(), config.bindAddress(), config.tlsSans(), clock, STORE_WAIT);
    apiServer = ApiServer.start(store, ApiServer.Config.defaults().withPort(config.apiPort())
        .withBindAddress(config.bindAddress()).withTls(tls)
        .withAuthentication(new TokenAuthenticator(config.tokens().entries())).withServing(config.serving())
        .withServiceRanges(config.serviceRanges()));
    started.push(apiServer);
    startCertificateRotations(config.dataDir(), config.bindAddress(), config.tlsSans(), clock);
    apiAddress = loopbackAddress(config.bindAddress()) + ":" + apiServer.port();
    StoreMetrics.register(metricsRegistry(), peer);
    Scheduler scheduler = new Scheduler(inProcessAs(BootstrapPolicy.SCHEDULER), clock,
        new SchedulerMetrics(metricsRegistry()));
    scheduler.start();
    started.push(scheduler);
    ControllerManager controllers = new ControllerManager(
        inProcessAs(BootstrapPolicy.CONTROLLER_MANAGER), clock, ControllerManager.DEFAULT_WORKERS,
        ControllerManager.DEFAULT_CACHE_SYNC_TIMEOUT, ControllerManager.DEFAULT_RESYNC_PERIOD,
        config.controllerOptions().withRootCa(tls.ca().certificatePem()), new ControllerMetrics(metricsRegistry()));
    controllers.start();
    started.push(controllers);
    log.info("control plane started: api {}:{}, raft {}", config.bindAddress(), apiServer.port(), config.raftPort());
  }

  /**
   * Serves the store's etcd v3 API beside the Capstan API, so etcd tools work against the
   * cluster's own store, with {@code credentials}: {@code capstan up} always serves mutual TLS
   * ({@link EtcdPortCertificates}), {@code capstan server} what its flags say. The store holds
   * the cluster CA's key and every Secret, so the port listens on loopback whatever
   * --bind-address says: only this machine's users reach it, and with TLS only those holding a
   * client certificate. Port 0 turns it off.
   */
  private void startEtcdEndpoint(RaftStorePeer peer, KeyValueStore store, String bindAddress, int port,
      ServerCredentials credentials) {
    if (port == 0) {
      return;
    }
    String loopback = bindAddress.contains(":") ? "::1" : "127.0.0.1";
    String scheme = credentials instanceof TlsServerCredentials ? "https://" : "http://";
    try {
      EtcdEndpoint endpoint = EtcdEndpoint.start(peer, store, new InetSocketAddress(loopback, port),
          Map.of(peer.id(), List.of(scheme + etcdHost(bindAddress) + ":" + port)), credentials);
      started.push(endpoint);
      etcdPort = endpoint.port();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot serve the etcd endpoint on " + loopback + ":" + port
          + ": " + e.getMessage(), e);
    }
  }

  /** The port of the store's etcd v3 endpoint, or 0 when it is off. */
  public int etcdPort() {
    return etcdPort;
  }

  /** The files etcdctl needs for {@code capstan up}'s etcd port; empty for a server or with it off. */
  public Optional<EtcdPortCertificates.ClientFiles> etcdClientFiles() {
    return Optional.ofNullable(etcdClientFiles);
  }

  /** The address a local client uses to reach a server bound to {@code bindAddress}. */
  /** The host the etcd endpoint listens on, in URL form: loopback of --bind-address's family. */
  public static String etcdHost(String bindAddress) {
    return bindAddress.contains(":") ? "[::1]" : "127.0.0.1";
  }

  public static String loopbackAddress(String bindAddress) {
    return bindAddress.equals("0.0.0.0") || bindAddress.equals("::") ? "127.0.0.1" : bindAddress;
  }

  public int apiPort() {
    return apiServer.port();
  }

  /** The port of the apiserver's {@code /metrics}, or -1 when it is off. */
  public int metricsPort() {
    return apiServer.metricsPort();
  }

  /** The registry the apiserver's {@code /metrics} serves, holding this member's other metrics too. */
  public PrometheusRegistry metricsRegistry() {
    return apiServer.metricsRegistry();
  }

  /** The address local clients reach the apiserver at. */
  public String apiAddress() {
    return apiAddress;
  }

  /**
   * The cluster CA (loaded from the store, or created there by the first server) and this
   * server's serving certificate, kept in {@code <data-dir>/pki} with the CA's certificate
   * ({@code ca.crt}, public: agents and users verify the API with it).
   */
  private static ServerTls clusterTls(KeyValueStore store, Path dataDir, String bindAddress, List<String> sans,
      Clock clock, Duration storeWait) {
    SecureRandom random = new SecureRandom();
    CertificateAuthority ca = StoreReadiness.await(() -> ClusterCa.loadOrCreate(store, clock, random), storeWait);
    Path pki = dataDir.resolve("pki");
    TlsIdentity serving = ServingCertificate.ensure(pki, ca, servingNames(bindAddress, sans), clock, random);
    try {
      Files.createDirectories(pki);
      Files.writeString(pki.resolve(CA_FILE), ca.certificatePem());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + pki.resolve(CA_FILE) + ": " + e.getMessage(), e);
    }
    return new ServerTls(ca, serving);
  }

  /** The names of the API's serving certificate: the bind address, the --tls-san values, the usual ones. */
  private static List<String> servingNames(String bindAddress, List<String> sans) {
    List<String> names = new ArrayList<>(sans);
    names.add(0, bindAddress);
    return ServingCertificate.names(names);
  }

  /**
   * Starts {@link #rotations}, which renew the API's serving certificate from now on (from the CA
   * in this process, kept in {@code <data-dir>/pki} as at start) and the certificates of the
   * in-process clients and agent as they are made; the apiserver renews its agent client
   * certificate itself.
   */
  private void startCertificateRotations(Path dataDir, String bindAddress, List<String> sans, Clock clock) {
    rotations = new CertificateRotations(clock, apiServer.certificateExpiry());
    started.push(rotations);
    List<String> names = servingNames(bindAddress, sans);
    SecureRandom random = new SecureRandom();
    rotations.rotate(SERVING_ROTATION, tls.serving(),
        current -> ServingCertificate.issue(dataDir.resolve("pki"), tls.ca(), names, random).certifiedKey());
  }

  /** Where a server keeps the cluster CA's certificate, under its data dir. */
  public static Path caCertificate(Path dataDir) {
    return dataDir.resolve("pki").resolve(CA_FILE);
  }

  /** The cluster CA, for issuing certificates in this process. */
  public CertificateAuthority certificateAuthority() {
    return tls.ca();
  }

  /** A new client certificate for {@code subject} from the cluster CA, with its key. */
  public ClientTls clientCertificate(Subject subject) {
    TlsIdentity id = TlsIdentity.of(issueClient(subject));
    return new ClientTls(tls.ca().certificatePem(), id.certificatePem(), id.privateKeyPem());
  }

  private CertifiedKey issueClient(Subject subject) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    return new CertifiedKey(tls.ca().issueClient(subject, keys.getPublic()), keys.getPrivate());
  }

  /**
   * TLS for an agent in this process (that of {@code capstan up}): a serving certificate for
   * node {@code node} (CN system:node:NODE, O system:nodes) and {@code names}, which the cluster
   * CA issues now and renews while the process runs, and the name of the apiserver's agent client certificate, the one caller the
   * agent serves.
   */
  public AgentTls agentTls(String node, List<String> names) {
    Subject subject = new Subject(UserInfo.NODE_USER_PREFIX + node, List.of(UserInfo.SYSTEM_NODES));
    SwappableKeyManager serving = rotations.rotating(NodeCredentials.SERVING_ROTATION, issueServing(subject, names),
        current -> issueServing(subject, names));
    return new AgentTls(serving, tls.ca().certificatePem(), AgentClientCertificate.USER);
  }

  private CertifiedKey issueServing(Subject subject, List<String> names) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    return new CertifiedKey(tls.ca().issueServer(subject, keys.getPublic(), names), keys.getPrivate());
  }

  /**
   * A client of this process's own apiserver acting as {@code user}, in process: the scheduler's
   * and controllers' calls and watches skip TLS and serialization, and their informers share the
   * apiserver's cached objects instead of holding copies. Closed with the control plane.
   */
  private CapstanClient inProcessAs(String user) {
    CapstanClient client = apiServer.inProcessClient(new UserInfo(user, "", List.of()));
    started.push(client);
    return client;
  }

  /**
   * A client of this control plane's apiserver over TLS, authenticating with a client
   * certificate for {@code subject} that the cluster CA issues now and renews at 70-90 % of its
   * life; closed with the control plane.
   */
  public CapstanClient connectAs(Subject subject) {
    // Renewed from the CA while the server runs: each new connection presents the current one.
    SwappableKeyManager live = rotations.rotating("client:" + subject.commonName(), issueClient(subject),
        current -> issueClient(subject));
    CapstanClient client = CapstanClient.connect(apiAddress, null, ClientTls.rotating(tls.ca().certificatePem(), live));
    started.push(client);
    return client;
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.warn("error while stopping {}", c.getClass().getSimpleName(), e);
      }
    }
  }
}

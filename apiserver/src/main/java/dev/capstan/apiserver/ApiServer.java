package dev.capstan.apiserver;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.admission.AdmissionChain;
import dev.capstan.apiserver.admission.NamespaceLifecycle;
import dev.capstan.apiserver.admission.RbacEscalationAdmission;
import dev.capstan.apiserver.admission.ResourceQuotaAdmission;
import dev.capstan.apiserver.admission.ServiceAccountAdmission;
import dev.capstan.apiserver.allocation.ServiceAllocator;
import dev.capstan.apiserver.allocation.ServiceRanges;
import dev.capstan.apiserver.audit.AuditInterceptor;
import dev.capstan.apiserver.audit.AuditLog;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.CertificateAuthenticator;
import dev.capstan.apiserver.authn.ServiceAccountAuthenticator;
import dev.capstan.apiserver.authn.ServiceAccountKey;
import dev.capstan.apiserver.authn.ServiceAccountTokens;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.authz.AccessControl;
import dev.capstan.apiserver.authz.AccessRequest;
import dev.capstan.apiserver.authz.AuthorizingAccessControl;
import dev.capstan.apiserver.authz.SelfAccessReviewService;
import dev.capstan.apiserver.authz.BootstrapPolicy;
import dev.capstan.apiserver.authz.NodeRestriction;
import dev.capstan.apiserver.authz.PolicyIndex;
import dev.capstan.apiserver.authz.RbacAuthorizer;
import dev.capstan.apiserver.authz.RuleResolver;
import dev.capstan.apiserver.metrics.ApiMetrics;
import dev.capstan.client.metrics.MetricsEndpoint;
import dev.capstan.apiserver.metrics.RequestMetricsInterceptor;
import dev.capstan.apiserver.ratelimit.InFlightLimitInterceptor;
import dev.capstan.apiserver.ratelimit.RateLimitInterceptor;
import dev.capstan.apiserver.pki.AgentClientCertificate;
import dev.capstan.apiserver.pki.CertificateSigningService;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.ServerTls;
import dev.capstan.client.tls.CertificateExpiryGauge;
import dev.capstan.client.tls.CertificateRotation;
import dev.capstan.client.tls.SwappableKeyManager;
import dev.capstan.apiserver.registry.DependentOrphaner;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.apiserver.service.DeploymentScale;
import dev.capstan.apiserver.service.PodSubresources;
import dev.capstan.apiserver.service.ResourceService;
import dev.capstan.apiserver.service.ServiceAccountTokenRequests;
import dev.capstan.apiserver.watch.Lister;
import dev.capstan.apiserver.watch.WatchCache;
import dev.capstan.client.BearerTokenCredentials;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.store.KeyValueStore;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server: every kind's gRPC service on one port, backed by a {@link KeyValueStore}, with
 * a watch cache per kind, gRPC server reflection and the standard health service. On start it
 * creates the namespaces Kubernetes always has (default, kube-system, kube-public,
 * kube-node-lease) and the default RBAC objects ({@link BootstrapPolicy}). With an authenticator
 * configured, every API call needs a bearer token or (with {@link ServerTls}) a client
 * certificate from the cluster CA, RBAC authorizes it and NodeRestriction limits node agents;
 * health and reflection stay open. Bearer tokens are those of the static token file and
 * ServiceAccount tokens the cluster's key signed ({@link ServiceAccountKey}, one per cluster, in the
 * store); creates pass ServiceAccount and ResourceQuota admission, and writes of RBAC objects
 * escalation prevention. Every call is counted and timed in
 * Prometheus metrics, served at {@code /metrics} when {@link ServingOptions} name a port; mutating calls go to
 * the audit log and every call passes the per-user rate limit when those are configured.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  public static final List<String> SYSTEM_NAMESPACES = List.of("default", "kube-system", "kube-public",
      "kube-node-lease");

  /**
   * Settings; {@link #defaults()} gives the production ones. Without an {@code authenticator}
   * authentication, authorization and admission by user are off (for tests that embed the
   * apiserver); with one, every call needs a bearer token and RBAC decides.
   */
  public record Config(String bindAddress, int port, Clock clock, RandomGenerator random, int watchWindow,
      int watcherBuffer, Duration bookmarkInterval, Duration storeWaitTimeout, TokenAuthenticator authenticator,
      ServingOptions serving, ServiceRanges serviceRanges, ServerTls tls) {
    public static Config defaults() {
      return new Config("0.0.0.0", 6443, Clock.systemUTC(), new SecureRandom(), 10_000, 10_000, Duration.ofSeconds(5),
          Duration.ofSeconds(60), null, ServingOptions.NONE, ServiceRanges.defaults(), null);
    }

    public Config withPort(int p) {
      return new Config(bindAddress, p, clock, random, watchWindow, watcherBuffer, bookmarkInterval, storeWaitTimeout,
          authenticator, serving, serviceRanges, tls);
    }

    public Config withBindAddress(String a) {
      return new Config(a, port, clock, random, watchWindow, watcherBuffer, bookmarkInterval, storeWaitTimeout,
          authenticator, serving, serviceRanges, tls);
    }

    public Config withWatchWindow(int events) {
      return new Config(bindAddress, port, clock, random, events, watcherBuffer, bookmarkInterval, storeWaitTimeout,
          authenticator, serving, serviceRanges, tls);
    }

    /** Turns on bearer-token authentication, RBAC and NodeRestriction. */
    public Config withAuthentication(TokenAuthenticator tokens) {
      return new Config(bindAddress, port, clock, random, watchWindow, watcherBuffer, bookmarkInterval,
          storeWaitTimeout, tokens, serving, serviceRanges, tls);
    }

    /** The clock of timestamps and of the rate limit. */
    public Config withClock(Clock c) {
      return new Config(bindAddress, port, c, random, watchWindow, watcherBuffer, bookmarkInterval, storeWaitTimeout,
          authenticator, serving, serviceRanges, tls);
    }

    /** Metrics endpoint, audit log and rate limit. */
    public Config withServing(ServingOptions options) {
      return new Config(bindAddress, port, clock, random, watchWindow, watcherBuffer, bookmarkInterval,
          storeWaitTimeout, authenticator, options, serviceRanges, tls);
    }

    /** Where Services' cluster IPs and node ports come from; every server on one store needs the same. */
    public Config withServiceRanges(ServiceRanges ranges) {
      return new Config(bindAddress, port, clock, random, watchWindow, watcherBuffer, bookmarkInterval,
          storeWaitTimeout, authenticator, serving, ranges, tls);
    }

    /** How long start-up waits for the store to answer (a member joining a store waits to be added). */
    public Config withStoreWaitTimeout(Duration timeout) {
      return new Config(bindAddress, port, clock, random, watchWindow, watcherBuffer, bookmarkInterval, timeout,
          authenticator, serving, serviceRanges, tls);
    }

    /**
     * Serves TLS with {@code t}'s certificate; with authentication on, client certificates the
     * cluster CA issued authenticate too, and the CA signs node certificates (CertificateSigning).
     */
    public Config withTls(ServerTls t) {
      return new Config(bindAddress, port, clock, random, watchWindow, watcherBuffer, bookmarkInterval,
          storeWaitTimeout, authenticator, serving, serviceRanges, t);
    }

    /** How many events may wait for one slow watcher before it is cut off. */
    public Config withWatcherBuffer(int events) {
      return new Config(bindAddress, port, clock, random, watchWindow, events, bookmarkInterval, storeWaitTimeout,
          authenticator, serving, serviceRanges, tls);
    }
  }

  private final Config config;
  private final KeyValueStore store;
  private final Map<Kind<?>, ResourceRegistry<?>> registries = new LinkedHashMap<>();
  private final List<WatchCache<?>> caches = new ArrayList<>();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "apiserver-bookmarks");
    t.setDaemon(true);
    return t;
  });
  private final HealthStatusManager health = new HealthStatusManager();
  private final PolicyIndex policy = new PolicyIndex();
  private final DependentOrphaner orphaner = new DependentOrphaner(this::registry);
  /** In memory from their watch caches, for token authentication and quota admission on every call. */
  private final Lister<ServiceAccount> serviceAccounts = new Lister<>(Kinds.SERVICE_ACCOUNT, true);
  private final Lister<ResourceQuota> resourceQuotas = new Lister<>(Kinds.RESOURCE_QUOTA, true);
  /** For the tokens bound to pods, checked on every call that carries one. */
  private final Lister<Pod> pods = new Lister<>(Kinds.POD);
  private final Lister<Namespace> namespaces = new Lister<>(Kinds.NAMESPACE, true);
  /** Refuses creates in missing and terminating namespaces; told of namespace deletes by the chain below. */
  private final NamespaceLifecycle namespaceLifecycle;
  /**
   * NamespaceLifecycle (told of namespace deletes), then ServiceAccount admission, RBAC escalation
   * prevention (creates and updates of RBAC objects, by the caller's own rights), then ResourceQuota admission
   * last, so that nothing refused is charged.
   */
  private final AdmissionChain admission;
  /** Signs and verifies ServiceAccount tokens with the cluster's key, loaded from the store at start. */
  private volatile ServiceAccountTokens serviceAccountTokens;
  private AccessControl access = AccessControl.ALLOW_ALL;
  private final ApiMetrics metrics = new ApiMetrics();
  private final RequestMetricsInterceptor metricsInterceptor = new RequestMetricsInterceptor(metrics);
  private MetricsEndpoint metricsEndpoint;
  private AuditLog auditLog;
  private PodSubresources podSubresources;
  /** Renews the client certificate this server presents to agents, while it runs. */
  private CertificateRotation agentClientRotation;
  /** capstan_certificate_expiration_seconds, for this server's certificates (and its daemon's). */
  private final CertificateExpiryGauge certificateExpiry = CertificateExpiryGauge.register(metrics.registry());
  private Server server;
  private Server inProcessServer;
  private final String inProcessName = "capstan-apiserver-" + UUID.randomUUID();
  /** The users of inProcessClient's tokens (one per client made: a handful per process). */
  private final Map<String, UserInfo> inProcessUsers = new ConcurrentHashMap<>();

  private ApiServer(Config config, KeyValueStore store) {
    this.config = config;
    this.store = store;
    // The caches first; the store only where they cannot be trusted (see each plugin).
    namespaceLifecycle = new NamespaceLifecycle(name -> namespaces.get("", name),
        name -> registry(Kinds.NAMESPACE).find("", name), config.clock());
    admission = new AdmissionChain(List.of(
        namespaceLifecycle,
        new ServiceAccountAdmission((ns, name) -> serviceAccounts.get(ns, name)
            .or(() -> registry(Kinds.SERVICE_ACCOUNT).find(ns, name)), config.random()),
        new RbacEscalationAdmission(new RbacAuthorizer(policy), new RuleResolver(policy),
            AuthenticationInterceptor::currentUser),
        new ResourceQuotaAdmission(this::registry, resourceQuotas::list)));
  }

  /** Starts a server on {@code port} (0 = any free port) bound to loopback, with production settings otherwise. */
  public static ApiServer start(KeyValueStore store, int port) {
    return start(store, Config.defaults().withPort(port).withBindAddress("127.0.0.1"));
  }

  public static ApiServer start(KeyValueStore store, Config config) {
    ApiServer s = new ApiServer(config, store);
    s.doStart();
    return s;
  }

  private void doStart() {
    if (config.serving().auditLogPath() != null) {  // first: a path that cannot be opened stops the start early
      auditLog = AuditLog.open(config.serving().auditLogPath(), AuditLog.DEFAULT_QUEUE_CAPACITY,
          metrics::auditEventDropped);
    }
    if (config.authenticator() != null) {
      access = new AuthorizingAccessControl(new RbacAuthorizer(policy), new NodeRestriction());
    }
    List<ResourceService<?>> services = new ArrayList<>();
    for (Kind<? extends Message> kind : Kinds.all()) {
      services.add(serviceFor(kind));
    }
    whenStoreAnswers(this::bootstrapNamespaces);
    whenStoreAnswers(this::bootstrapPolicy);
    whenStoreAnswers(() -> serviceAccountTokens = new ServiceAccountTokens(ServiceAccountKey.loadOrCreate(store),
        config.clock()));
    for (WatchCache<?> c : caches) {
      whenStoreAnswers(c::start);
    }
    var builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()),
        config.tls() != null ? config.tls().credentials() : InsecureServerCredentials.create());
    ApiInterceptors interceptors = apiInterceptors();
    ServerInterceptor[] api = interceptors.network();
    // The same services for clients in this process (the scheduler and controllers): no TLS, no
    // serialization (see inProcessClient).
    var local = InProcessServerBuilder.forName(inProcessName);
    for (ResourceService<?> s : services) {
      builder.addService(ServerInterceptors.intercept(s.networkDefinition(), api));
      local.addService(ServerInterceptors.intercept(s.definition(), interceptors.local()));
    }
    builder.addService(ServerInterceptors.intercept(new SelfAccessReviewService(access), api));
    local.addService(ServerInterceptors.intercept(new SelfAccessReviewService(access), interceptors.local()));
    if (config.tls() != null && config.authenticator() != null) {
      builder.addService(ServerInterceptors.intercept(
          new CertificateSigningService(config.tls().ca(), new RbacAuthorizer(policy)), api));
    }
    // Both reflection versions: current grpcurl and grpc tools ask v1 first, older ones v1alpha.
    builder.addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), metricsInterceptor));
    builder.addService(ServerInterceptors.intercept(ProtoReflectionService.newInstance(), metricsInterceptor));
    builder.addService(ServerInterceptors.intercept(health.getHealthService(), metricsInterceptor));
    // Over this, gRPC refuses the request with RESOURCE_EXHAUSTED naming both sizes; objects are
    // further bounded by the store's request limit.
    builder.maxInboundMessageSize(3 * 1024 * 1024);
    // Clients ping every 30 s to detect dead connections under long watches.
    builder.permitKeepAliveTime(20, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
    try {
      inProcessServer = local.build().start();
      server = builder.build().start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot listen on " + config.bindAddress() + ":" + config.port(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    if (config.serving().metricsPort() >= 0) {
      try {
        metricsEndpoint = MetricsEndpoint.start(config.bindAddress(), config.serving().metricsPort(),
            metrics.registry());
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      log.info("apiserver metrics on http://{}:{}/metrics", config.bindAddress(), metricsEndpoint.port());
    }
    long interval = config.bookmarkInterval().toMillis();
    timers.scheduleAtFixedRate(() -> caches.forEach(WatchCache::bookmark), interval, interval, TimeUnit.MILLISECONDS);
    log.info("apiserver listening on {}:{}", config.bindAddress(), port());
  }

  /**
   * The interceptors of the API's services, innermost first (gRPC runs the last one first): the
   * in-flight ceilings, the rate limit and the audit log need the user that authentication finds,
   * and metrics, outermost, count every call, refused ones included. As in Kubernetes, a call the
   * in-flight ceilings refuse is audited.
   */
  private ApiInterceptors apiInterceptors() {
    List<ServerInterceptor> inner = new ArrayList<>();
    if (config.serving().inFlightLimit().enabled()) {
      InFlightLimitInterceptor inFlight = new InFlightLimitInterceptor(config.serving().inFlightLimit(),
          metrics::requestInFlightRefused);
      metrics.watch(inFlight);
      inner.add(inFlight);
    }
    if (config.serving().rateLimit().enabled()) {
      inner.add(new RateLimitInterceptor(config.serving().rateLimit(), config.clock(), metrics::requestRateLimited));
    }
    if (auditLog != null) {
      inner.add(new AuditInterceptor(auditLog, config.serving().auditPolicy(), config.clock()));
    }
    if (config.authenticator() == null) {
      return new ApiInterceptors(List.copyOf(inner), null, null, metricsInterceptor);
    }
    // The static token file first (a plain lookup), then ServiceAccount tokens (a signature check).
    AuthenticationInterceptor network = new AuthenticationInterceptor(config.authenticator().orElse(
        new ServiceAccountAuthenticator(serviceAccountTokens, serviceAccounts::get,
            (ns, name) -> registry(Kinds.SERVICE_ACCOUNT).find(ns, name),
            pods::get, (ns, name) -> registry(Kinds.POD).find(ns, name), config.clock())),
        config.tls() != null ? new CertificateAuthenticator(config.tls().ca()) : null);
    // In this process only the tokens handed out by inProcessClient.
    AuthenticationInterceptor local = new AuthenticationInterceptor(token -> Optional.ofNullable(
        inProcessUsers.get(token)));
    return new ApiInterceptors(List.copyOf(inner), network, local, metricsInterceptor);
  }

  /** The same interceptors for both servers, but for who authenticates the caller. */
  private record ApiInterceptors(List<ServerInterceptor> inner, ServerInterceptor networkAuthentication,
      ServerInterceptor localAuthentication, ServerInterceptor outer) {
    ServerInterceptor[] network() {
      return chain(networkAuthentication);
    }

    ServerInterceptor[] local() {
      return chain(localAuthentication);
    }

    private ServerInterceptor[] chain(ServerInterceptor authentication) {
      List<ServerInterceptor> chain = new ArrayList<>(inner);
      if (authentication != null) {
        chain.add(authentication);
      }
      chain.add(outer);
      return chain.toArray(ServerInterceptor[]::new);
    }
  }

  /**
   * A client of this apiserver from inside its own process, acting as {@code user}: its calls
   * go through the same authorization, admission, limits and audit as any, but skip the network,
   * TLS and serialization -- messages are handed over as objects, so an informer's cache shares
   * the watch cache's objects instead of holding copies. Its token (random, known only to this
   * process) is accepted by the in-process server only. Watch handlers run on the server's own
   * threads, so they must not block (an informer's queues the event). The caller closes the client.
   */
  public CapstanClient inProcessClient(UserInfo user) {
    String token = config.authenticator() != null ? inProcessToken(user) : null;
    // Responses and watch events are handed to the caller's observers on the thread that
    // produced them (the watch cache's, for informers) rather than through another thread: the
    // observers here only queue work or complete a future.
    ManagedChannel channel = InProcessChannelBuilder.forName(inProcessName).directExecutor().build();
    return new CapstanClient(channel, token == null ? null : new BearerTokenCredentials(token),
        CapstanClient.DEFAULT_DEADLINE_MILLIS);
  }

  /** A new token the in-process server takes for {@code user}. */
  String inProcessToken(UserInfo user) {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    inProcessUsers.put(token, user);
    return token;
  }

  /** The server's own lister of {@code kind} where it keeps one (authentication and admission read them), else a new one. */
  @SuppressWarnings("unchecked")
  private <T extends Message> Lister<T> listerOf(Kind<T> kind) {
    Lister<?> own = kind == Kinds.POD ? pods
        : kind == Kinds.NAMESPACE ? namespaces
        : kind == Kinds.SERVICE_ACCOUNT ? serviceAccounts
        : kind == Kinds.RESOURCE_QUOTA ? resourceQuotas
        : null;
    return own != null ? (Lister<T>) own : new Lister<>(kind);
  }

  private <T extends Message> ResourceService<T> serviceFor(Kind<T> kind) {
    ResourceRegistry<T> registry = registry(kind);
    WatchCache<T> cache = new WatchCache<>(kind, store, config.watchWindow(), config.watcherBuffer());
    caches.add(cache);
    metrics.watch(cache);
    Lister<T> objects = listerOf(kind);
    objects.feedFrom(cache);
    registry.useObjectCache(objects);
    if (kind == Kinds.ROLE || kind == Kinds.CLUSTER_ROLE || kind == Kinds.ROLE_BINDING
        || kind == Kinds.CLUSTER_ROLE_BINDING) {
      cache.addListener(policy.feed(kind));  // RBAC decides from memory, not a store read per request
    }
    ResourceService<T> service = new ResourceService<>(kind, registry, cache, access);
    if (kind == Kinds.POD || kind == Kinds.NODE) {
      if (podSubresources == null) {
        // With TLS, agents are reached with mutual TLS under this server's own client certificate.
        podSubresources = config.tls() == null
            ? new PodSubresources(registry(Kinds.POD), registry(Kinds.NODE), config.clock())
            : new PodSubresources(registry(Kinds.POD), registry(Kinds.NODE), config.clock(),
                agentClientCertificate(config.tls().ca()), config.tls().ca().certificatePem());
      }
    }
    if (kind == Kinds.NODE) {
      service.unary("Stats", AccessRequest.GET, "stats", podSubresources.nodeStats()::stats);
    } else if (kind == Kinds.POD) {
      service.unary("Bind", AccessRequest.CREATE, "binding", podSubresources::bind);
      service.serverStreaming("Log", AccessRequest.GET, "log", podSubresources::log);
      service.unary("Exec", AccessRequest.CREATE, "exec", podSubresources::exec);
    } else if (kind == Kinds.DEPLOYMENT) {
      DeploymentScale scale = new DeploymentScale(registry(Kinds.DEPLOYMENT));
      service.unary("GetScale", AccessRequest.GET, "scale", scale::get);
      service.unary("UpdateScale", AccessRequest.UPDATE, "scale", scale::update);
    } else if (kind == Kinds.SERVICE_ACCOUNT) {
      ServiceAccountTokenRequests tokens = new ServiceAccountTokenRequests(registry(Kinds.SERVICE_ACCOUNT),
          registry(Kinds.POD), () -> serviceAccountTokens, config.clock());
      service.unary("CreateToken", AccessRequest.CREATE, "token", tokens::create);
    }
    return service;
  }

  /** The registry of a kind, made on first use (subresources need other kinds' registries). */
  public <T extends Message> ResourceRegistry<T> registry(Kind<T> kind) {
    @SuppressWarnings("unchecked")
    ResourceRegistry<T> r = (ResourceRegistry<T>) registries.get(kind);
    if (r == null) {
      r = new ResourceRegistry<>(kind, store, config.clock(), config.random(), namespaceLifecycle,
          orphaner, allocatorFor(kind), admission);
      registries.put(kind, r);
    }
    return r;
  }

  @SuppressWarnings("unchecked")
  private <T extends Message> dev.capstan.apiserver.registry.Allocator<T> allocatorFor(Kind<T> kind) {
    if (kind == Kinds.SERVICE) {
      return (dev.capstan.apiserver.registry.Allocator<T>) new ServiceAllocator(config.serviceRanges(), store,
          config.random());
    }
    return dev.capstan.apiserver.registry.Allocator.none();
  }

  private void whenStoreAnswers(Runnable step) {
    StoreReadiness.await(() -> {
      step.run();
      return null;
    }, config.storeWaitTimeout());
  }

  private void bootstrapNamespaces() {
    ResourceRegistry<Namespace> namespaces = registry(Kinds.NAMESPACE);
    for (String name : SYSTEM_NAMESPACES) {
      if (namespaces.find("", name).isPresent()) {
        continue;
      }
      try {
        namespaces.create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {  // another server made it first
          throw e;
        }
      }
    }
  }

  /** Creates the default RBAC objects that are missing; existing ones are left as they are. */
  /**
   * Creates the default roles and bindings, and brings existing ones up to this version's
   * defaults, as Kubernetes reconciles its bootstrap policy: a role gains the rules it lacks and a
   * binding the subjects it lacks (what an operator added stays), unless annotated
   * {@value #AUTOUPDATE}{@code : "false"}. Without this, a cluster started by an older version
   * would keep roles without the rules newer controllers need.
   */
  private void bootstrapPolicy() {
    ResourceRegistry<ClusterRole> roles = registry(Kinds.CLUSTER_ROLE);
    for (ClusterRole role : BootstrapPolicy.clusterRoles()) {
      reconcile(roles, role, have -> {
        List<PolicyRule> missing = role.getRulesList().stream().filter(r -> !have.getRulesList().contains(r)).toList();
        return missing.isEmpty() ? null : have.toBuilder().addAllRules(missing).build();
      });
    }
    ResourceRegistry<ClusterRoleBinding> bindings = registry(Kinds.CLUSTER_ROLE_BINDING);
    for (ClusterRoleBinding binding : BootstrapPolicy.clusterRoleBindings()) {
      reconcile(bindings, binding, have -> {
        List<Subject> missing = binding.getSubjectsList().stream()
            .filter(subject -> !have.getSubjectsList().contains(subject)).toList();
        return missing.isEmpty() || !have.getRoleRef().equals(binding.getRoleRef()) ? null
            : have.toBuilder().addAllSubjects(missing).build();
      });
    }
  }

  /** The annotation that, set to "false", keeps a default role or binding as its operator left it. */
  static final String AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";

  /** Creates {@code wanted}, or updates the stored one to what {@code merge} makes of it (null: leave it). */
  private static <T extends Message> void reconcile(ResourceRegistry<T> registry, T wanted,
      java.util.function.UnaryOperator<T> merge) {
    var meta = registry.kind().metadata(wanted);
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<T> found = registry.find(meta.getNamespace(), meta.getName());
      try {
        if (found.isEmpty()) {
          registry.create(wanted);
          return;
        }
        if ("false".equals(registry.kind().metadata(found.get()).getAnnotationsMap().get(AUTOUPDATE))) {
          return;
        }
        T merged = merge.apply(found.get());
        if (merged != null) {
          registry.update(merged);
          log.info("brought default {} {} up to date", registry.kind().kind(), meta.getName());
        }
        return;
      } catch (StatusRuntimeException e) {
        // Another server created or updated it meanwhile: look again.
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS && e.getStatus().getCode() != Status.Code.ABORTED) {
          throw e;
        }
      }
    }
  }

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** How many watches on {@code kind} are open now (for metrics and tests). */
  public int watcherCount(Kind<?> kind) {
    return caches.stream().filter(c -> c.kind().equals(kind)).mapToInt(WatchCache::watcherCount).sum();
  }

  /**
   * The client certificate towards agents, issued now from the CA and renewed from it while the
   * server runs (at 70-90 % of its life, like every certificate a daemon holds).
   */
  private SwappableKeyManager agentClientCertificate(CertificateAuthority ca) {
    SwappableKeyManager live = new SwappableKeyManager(AgentClientCertificate.issue(ca).certifiedKey());
    agentClientRotation = new CertificateRotation(AgentClientCertificate.ROTATION_NAME, live,
        current -> AgentClientCertificate.issue(ca).certifiedKey(), config.clock(), config.random()::nextDouble,
        CertificateRotation.Timer.of(timers), certificateExpiry).start();
    return live;
  }

  /**
   * The gauge {@value CertificateExpiryGauge#NAME} in {@link #metricsRegistry()}, for the other
   * certificates of the daemon this server is part of.
   */
  public CertificateExpiryGauge certificateExpiry() {
    return certificateExpiry;
  }

  /** The registry of the apiserver's metrics, for a daemon that serves them with its own. */
  public PrometheusRegistry metricsRegistry() {
    return metrics.registry();
  }

  /** The port of the {@code /metrics} endpoint, or -1 when there is none. */
  public int metricsPort() {
    return metricsEndpoint == null ? -1 : metricsEndpoint.port();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    if (agentClientRotation != null) {
      agentClientRotation.close();
    }
    timers.shutdownNow();
    caches.forEach(WatchCache::close);
    if (podSubresources != null) {
      podSubresources.close();
    }
    for (Server s : new Server[] {server, inProcessServer}) {
      if (s == null) {
        continue;
      }
      s.shutdown();
      try {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        s.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (auditLog != null) {
      auditLog.close();  // after the server: the calls it let finish are audited too
    }
    if (metricsEndpoint != null) {
      metricsEndpoint.close();
    }
  }

}

package dev.capstan.client;

import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The entry point of the Java client: one gRPC channel to the apiserver and a typed
 * {@link ResourceClient} per kind. With credentials, every call made through the client (typed
 * clients and stubs on {@link #channel()}) carries them. Thread-safe; share one per process.
 */
public final class CapstanClient implements AutoCloseable {
  public static final long DEFAULT_DEADLINE_MILLIS = 30_000;

  private final ManagedChannel managed;
  private final Channel channel;
  private final long deadlineMillis;
  private final ConcurrentHashMap<Kind<?>, ResourceClient<?>> clients = new ConcurrentHashMap<>();

  public CapstanClient(ManagedChannel channel, long deadlineMillis) {
    this(channel, null, deadlineMillis);
  }

  /** A client whose calls carry {@code credentials} (null for none). */
  public CapstanClient(ManagedChannel channel, CallCredentials credentials, long deadlineMillis) {
    this.managed = channel;
    this.channel = credentials == null ? channel : ClientInterceptors.intercept(channel, new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withCallCredentials(credentials));
      }
    });
    this.deadlineMillis = deadlineMillis;
  }

  /** Connects to an apiserver at "host:port" without TLS and without credentials. */
  public static CapstanClient connect(String target) {
    return connect(target, null);
  }

  /**
   * Connects to an apiserver at "host:port" without TLS, sending {@code token} (when not null)
   * as a bearer token with every call. Without TLS the token is readable on the wire: for
   * apiservers embedded in tests.
   */
  public static CapstanClient connect(String target, String token) {
    return connect(target, token, null);
  }

  /**
   * Connects to an apiserver at "host:port" -- or to the first of several that answers,
   * "host:port,host:port,...", failing over to the others in order when it goes away -- over TLS
   * when {@code tls} is given (verifying the server with the cluster CA and presenting its client
   * certificate, if it has one), sending {@code token} (when not null) as a bearer token with
   * every call. A malformed address is an IllegalArgumentException naming it.
   */
  public static CapstanClient connect(String target, String token, ClientTls tls) {
    return connect(ServerList.split(target), token, tls);
  }

  /** As {@link #connect(String, String, ClientTls)}, with the servers as a list. */
  public static CapstanClient connect(java.util.List<String> servers, String token, ClientTls tls) {
    ManagedChannel channel = Grpc.newChannelBuilder(ServerList.target(servers),
            tls != null ? tls.credentials() : InsecureChannelCredentials.create())
        .maxInboundMessageSize(64 * 1024 * 1024)
        // A connection that dies silently must not leave a watch hanging forever.
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .build();
    return new CapstanClient(channel, token == null ? null : new BearerTokenCredentials(token), DEFAULT_DEADLINE_MILLIS);
  }

  /**
   * Connects with the current context of a client config: its servers (the first that answers,
   * then the others in order when it goes away), its token and its TLS.
   */
  public static CapstanClient connect(dev.capstan.client.config.ClientConfig config) {
    return connect(config.servers(), config.current().token(), config.tls());
  }

  /** The channel to build further stubs on; it carries the client's credentials. */
  public Channel channel() {
    return channel;
  }

  /**
   * The same connection, but carrying {@code token} as the bearer token instead of this client's
   * credentials (null: none): an agent asking the apiserver about a caller it serves.
   */
  public Channel channelAs(String token) {
    if (token == null) {
      return managed;
    }
    CallCredentials other = new BearerTokenCredentials(token);
    return ClientInterceptors.intercept(managed, new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withCallCredentials(other));
      }
    });
  }

  public <T extends Message> ResourceClient<T> resource(Kind<T> kind) {
    @SuppressWarnings("unchecked")
    ResourceClient<T> c = (ResourceClient<T>) clients.computeIfAbsent(kind,
        k -> new ResourceClient<>(kind, channel, deadlineMillis));
    return c;
  }

  public ResourceClient<Namespace> namespaces() { return resource(Kinds.NAMESPACE); }

  public ResourceClient<Node> nodes() { return resource(Kinds.NODE); }

  public ResourceClient<Pod> pods() { return resource(Kinds.POD); }

  public ResourceClient<ConfigMap> configMaps() { return resource(Kinds.CONFIG_MAP); }

  public ResourceClient<Secret> secrets() { return resource(Kinds.SECRET); }

  public ResourceClient<Event> events() { return resource(Kinds.EVENT); }

  public ResourceClient<Lease> leases() { return resource(Kinds.LEASE); }

  public ResourceClient<ReplicaSet> replicaSets() { return resource(Kinds.REPLICA_SET); }

  public ResourceClient<Deployment> deployments() { return resource(Kinds.DEPLOYMENT); }

  public ResourceClient<DaemonSet> daemonSets() { return resource(Kinds.DAEMON_SET); }

  public ResourceClient<StatefulSet> statefulSets() { return resource(Kinds.STATEFUL_SET); }

  public ResourceClient<dev.capstan.api.core.v1.Service> services() { return resource(Kinds.SERVICE); }

  public ResourceClient<dev.capstan.api.core.v1.Endpoints> endpoints() { return resource(Kinds.ENDPOINTS); }

  public ResourceClient<Role> roles() { return resource(Kinds.ROLE); }

  public ResourceClient<ClusterRole> clusterRoles() { return resource(Kinds.CLUSTER_ROLE); }

  public ResourceClient<RoleBinding> roleBindings() { return resource(Kinds.ROLE_BINDING); }

  public ResourceClient<ClusterRoleBinding> clusterRoleBindings() { return resource(Kinds.CLUSTER_ROLE_BINDING); }

  public ResourceClient<dev.capstan.api.core.v1.ServiceAccount> serviceAccounts() {
    return resource(Kinds.SERVICE_ACCOUNT);
  }

  public ResourceClient<dev.capstan.api.core.v1.ResourceQuota> resourceQuotas() {
    return resource(Kinds.RESOURCE_QUOTA);
  }

  public ResourceClient<Job> jobs() { return resource(Kinds.JOB); }

  public ResourceClient<CronJob> cronJobs() { return resource(Kinds.CRON_JOB); }

  @Override
  public void close() {
    managed.shutdown();
    try {
      if (!managed.awaitTermination(5, TimeUnit.SECONDS)) {
        managed.shutdownNow();
      }
    } catch (InterruptedException e) {
      managed.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}

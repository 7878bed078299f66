package dev.capstan.client;

import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The entry point of the Java client: one gRPC channel to the apiserver and a typed
 * {@link ResourceClient} per kind. Thread-safe; share one per process.
 */
public final class CapstanClient implements AutoCloseable {
  public static final long DEFAULT_DEADLINE_MILLIS = 30_000;

  private final ManagedChannel channel;
  private final long deadlineMillis;
  private final ConcurrentHashMap<Kind<?>, ResourceClient<?>> clients = new ConcurrentHashMap<>();

  public CapstanClient(ManagedChannel channel, long deadlineMillis) {
    this.channel = channel;
    this.deadlineMillis = deadlineMillis;
  }

  /** Connects to an apiserver at "host:port" without TLS. */
  public static CapstanClient connect(String target) {
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .maxInboundMessageSize(64 * 1024 * 1024)
        // A connection that dies silently must not leave a watch hanging forever.
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .build();
    return new CapstanClient(channel, DEFAULT_DEADLINE_MILLIS);
  }

  public ManagedChannel channel() {
    return channel;
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

  public ResourceClient<Event> events() { return resource(Kinds.EVENT); }

  public ResourceClient<Lease> leases() { return resource(Kinds.LEASE); }

  public ResourceClient<ReplicaSet> replicaSets() { return resource(Kinds.REPLICA_SET); }

  public ResourceClient<Deployment> deployments() { return resource(Kinds.DEPLOYMENT); }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}

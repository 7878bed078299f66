package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.KVGrpc;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.mvcc.DaemonThreadFactory;
import dev.capstan.store.mvcc.RequestValidator;
import dev.capstan.store.ratis.RaftStorePeer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd v3 gRPC endpoint (plain text) for one store member, so that etcdctl, jetcd and any etcd
 * client can use the store: the KV, Watch, Lease, Cluster (MemberList) and Maintenance (Status
 * and Snapshot) services. Every other etcd method, and every other service (Auth, ...), answers
 * UNIMPLEMENTED.
 * Writes through any member's endpoint reach the Raft leader; reads are linearizable unless
 * serializable. Requests up to etcd's 1.5 MiB limit are accepted (larger ones fail as etcd's do).
 *
 * <pre>{@code
 * EtcdEndpoint endpoint = EtcdEndpoint.start(peer, new RatisKeyValueStore(peer),
 *     new InetSocketAddress("0.0.0.0", 2379), Map.of("s1", List.of("http://10.0.0.1:2379"), ...));
 * }</pre>
 */
public final class EtcdEndpoint implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdEndpoint.class);
  /** Room for gRPC framing around a request of the largest accepted size. */
  private static final int MAX_INBOUND_BYTES = RequestValidator.MAX_REQUEST_BYTES + 512 * 1024;

  private final Server server;
  /** Runs the calls of every service but KV (see {@link CallExecutors}). */
  private final ExecutorService calls;

  private EtcdEndpoint(Server server, ExecutorService calls) {
    this.server = server;
    this.calls = calls;
  }

  /**
   * Serves the store of a Raft member on {@code listen}.
   *
   * @param store the store bound to {@code peer} (its watches must be served from that peer)
   * @param clientUrlsByPeer every member's etcd client URLs by Raft peer ID, for MemberList
   */
  public static EtcdEndpoint start(RaftStorePeer peer, KeyValueStore store, InetSocketAddress listen,
      Map<String, List<String>> clientUrlsByPeer) throws IOException {
    return start(peer, store, listen, clientUrlsByPeer, InsecureServerCredentials.create());
  }

  /**
   * As {@link #start(RaftStorePeer, KeyValueStore, InetSocketAddress, Map)}, serving with
   * {@code credentials} (TLS, as etcd's {@code --cert-file} and {@code --client-cert-auth}).
   */
  public static EtcdEndpoint start(RaftStorePeer peer, KeyValueStore store, InetSocketAddress listen,
      Map<String, List<String>> clientUrlsByPeer, ServerCredentials credentials) throws IOException {
    RaftPeerClusterInfo cluster = new RaftPeerClusterInfo(peer, clientUrlsByPeer);
    return start(store, cluster, cluster, peer::appliedRevision, peer::writeSnapshot, listen, credentials);
  }

  /**
   * Serves {@code store} on {@code listen} (port 0 picks a free one).
   *
   * @param localRevision the current revision of the copy of the store that serves watches
   */
  public static EtcdEndpoint start(KeyValueStore store, EtcdClusterInfo cluster, LongSupplier localRevision,
      InetSocketAddress listen) throws IOException {
    return start(store, cluster, localRevision, null, listen);
  }

  /**
   * As {@link #start(KeyValueStore, EtcdClusterInfo, LongSupplier, InetSocketAddress)}, with
   * Maintenance.Snapshot served from {@code snapshots} (null: UNIMPLEMENTED).
   */
  public static EtcdEndpoint start(KeyValueStore store, EtcdClusterInfo cluster, LongSupplier localRevision,
      EtcdMaintenanceService.SnapshotWriter snapshots, InetSocketAddress listen) throws IOException {
    return start(store, cluster, null, localRevision, snapshots, listen);
  }

  /**
   * As {@link #start(KeyValueStore, EtcdClusterInfo, LongSupplier, EtcdMaintenanceService.SnapshotWriter,
   * InetSocketAddress)}, with MemberAdd and MemberRemove served by {@code memberChanges} (null:
   * UNIMPLEMENTED).
   */
  public static EtcdEndpoint start(KeyValueStore store, EtcdClusterInfo cluster, EtcdMemberChanges memberChanges,
      LongSupplier localRevision, EtcdMaintenanceService.SnapshotWriter snapshots, InetSocketAddress listen)
      throws IOException {
    return start(store, cluster, memberChanges, localRevision, snapshots, listen, InsecureServerCredentials.create());
  }

  private static EtcdEndpoint start(KeyValueStore store, EtcdClusterInfo cluster, EtcdMemberChanges memberChanges,
      LongSupplier localRevision, EtcdMaintenanceService.SnapshotWriter snapshots, InetSocketAddress listen,
      ServerCredentials credentials) throws IOException {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(localRevision, "localRevision");
    ExecutorService calls = Executors.newCachedThreadPool(new DaemonThreadFactory("etcd-endpoint-call"));
    Server server;
    try {
      server = NettyServerBuilder.forAddress(listen, credentials)
          .maxInboundMessageSize(MAX_INBOUND_BYTES)
          // etcdctl pings every 2 s by default, even on idle connections; gRPC's default policy
          // would answer that with GOAWAY "too_many_pings".
          .permitKeepAliveTime(1, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          // A call's method is looked up on the transport thread that read its headers (a map
          // lookup); with gRPC's default executor that lookup was a hand-off to another thread and
          // back for every call. callExecutor then picks where the call runs.
          .directExecutor()
          .callExecutor(new CallExecutors(calls))
          .addService(new EtcdKvService(store, cluster))
          .addService(new EtcdWatchService(store, cluster, localRevision))
          .addService(new EtcdLeaseService(store, cluster))
          .addService(new EtcdClusterService(cluster, memberChanges, localRevision))
          .addService(new EtcdMaintenanceService(cluster, localRevision, snapshots))
          .build()
          .start();
    } catch (IOException | RuntimeException e) {
      calls.shutdownNow();
      throw e;
    }
    LOG.info("etcd endpoint listening on {} ({})", server.getListenSockets(), describe(credentials));
    return new EtcdEndpoint(server, calls);
  }

  private static String describe(ServerCredentials credentials) {
    if (credentials instanceof TlsServerCredentials tls) {
      return switch (tls.getClientAuth()) {
        case REQUIRE -> "TLS, client certificates required";
        case OPTIONAL -> "TLS, client certificates checked when presented";
        case NONE -> "TLS";
      };
    }
    return credentials instanceof InsecureServerCredentials ? "plaintext" : credentials.getClass().getSimpleName();
  }

  /**
   * KV calls run on the transport thread that read them: their handlers only validate, hand the
   * request to the store and return (the store answers later, from its own threads), so a hop to
   * another thread would cost two thread wake-ups per call for nothing. Other services (watch
   * registration may replay history, member changes wait for Raft) run on {@code others}.
   */
  private record CallExecutors(Executor others) implements ServerCallExecutorSupplier {
    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
      return KVGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName()) ? Runnable::run : others;
    }
  }

  /** The port this endpoint listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops accepting calls, gives running ones a moment, then ends them. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      calls.shutdownNow();
    }
  }
}

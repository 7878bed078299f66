package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantResponse;
import dev.capstan.etcd.etcdserverpb.LeaseGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesRequest;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesResponse;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveResponse;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * etcd's Lease service over a {@link KeyValueStore}. As etcd answers them: a keep-alive of an
 * unknown lease is a response with TTL 0 on the stream (not an error), a time-to-live of one is a
 * response with TTL -1; grant and revoke fail with etcd's statuses. Keep-alive responses on one
 * stream come in the order of the requests.
 */
public final class EtcdLeaseService extends LeaseGrpc.LeaseImplBase {

  private final KeyValueStore store;
  private final EtcdClusterInfo cluster;

  public EtcdLeaseService(KeyValueStore store, EtcdClusterInfo cluster) {
    this.store = Objects.requireNonNull(store, "store");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
    UnaryReplies.reply(store.leaseGrant(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
    UnaryReplies.reply(store.leaseRevoke(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
    CompletableFuture<LeaseTimeToLiveResponse> result = store.leaseTimeToLive(request).exceptionallyCompose(error -> {
      if (isLeaseNotFound(error)) {
        return CompletableFuture.completedFuture(LeaseTimeToLiveResponse.newBuilder().setID(request.getID())
            .setTTL(-1).build());
      }
      return CompletableFuture.failedFuture(error);
    });
    UnaryReplies.reply(result,
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
    UnaryReplies.reply(store.leaseLeases(),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
    ServerCallStreamObserver<LeaseKeepAliveResponse> out = (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
    return new StreamObserver<>() {
      /** Chains the requests so that responses keep their order. */
      private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
      /** The stream was ended with an error; guarded by {@code out}. */
      private boolean failed;

      @Override
      public synchronized void onNext(LeaseKeepAliveRequest request) {
        last = last.thenCompose(ignored -> keepAlive(request)).thenAccept(response -> {
          synchronized (out) {
            if (!failed && !out.isCancelled()) {
              out.onNext(response);
            }
          }
        }).exceptionally(error -> {
          synchronized (out) {
            if (!failed && !out.isCancelled()) {
              failed = true;
              out.onError(EtcdGrpcErrors.toStatus(error));
            }
          }
          return null;
        });
      }

      @Override
      public synchronized void onError(Throwable error) {
        // The client went away; nothing to clean up.
      }

      @Override
      public synchronized void onCompleted() {
        last.whenComplete((ignored, error) -> {
          synchronized (out) {
            if (!failed && !out.isCancelled()) {
              out.onCompleted();
            }
          }
        });
      }
    };
  }

  private CompletableFuture<LeaseKeepAliveResponse> keepAlive(LeaseKeepAliveRequest request) {
    return store.leaseKeepAlive(request)
        .thenApply(r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build())
        .exceptionallyCompose(error -> isLeaseNotFound(error)
            ? CompletableFuture.completedFuture(LeaseKeepAliveResponse.newBuilder()
                .setHeader(cluster.header(0)).setID(request.getID()).setTTL(0).build())
            : CompletableFuture.failedFuture(error));
  }

  private static boolean isLeaseNotFound(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause instanceof StoreException store && store.code() == StoreException.Code.LEASE_NOT_FOUND;
  }

}

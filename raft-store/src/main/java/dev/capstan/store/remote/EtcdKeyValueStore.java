package dev.capstan.store.remote;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.KVGrpc;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.etcdserverpb.WatchGrpc;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import dev.capstan.store.mvcc.MvccStore;
import io.grpc.ChannelCredentials;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link KeyValueStore} of a remote etcd v3 cluster, spoken to over gRPC (KV and Watch
 * services), so that the apiserver can keep its data in a real etcd instead of the Ratis store.
 * Same contract as every binding: etcd's own semantics, failures as {@link StoreException}s with
 * the codes the Ratis binding uses (see {@link EtcdFailures}).
 *
 * <p>Endpoints and failover. Several endpoints (members of one etcd cluster) may be given; requests
 * go to one preferred endpoint and move to the next when it is unreachable. Reads move on and are
 * retried there within the request timeout; a write is retried on another endpoint only when it
 * cannot have been applied (the connection never came up, or etcd refused it for want of a leader),
 * since a write applied twice would bump the revision twice. Every call carries etcd's
 * "hasleader" metadata, so a member cut off from its leader refuses at once instead of timing out.
 *
 * <p>Watches. Each watch has a bidi Watch stream of its own rather than sharing one multiplexed
 * stream: gRPC already multiplexes the streams over one HTTP/2 connection per endpoint; a slow
 * listener then holds back only its own stream's flow control, not every watch; a watch fails over
 * and resumes (from the next revision it owes) without re-creating the others; and the apiserver
 * holds only one store watch per resource, so the extra streams cost nothing worth saving.
 * {@link #watch} returns once etcd has created the watch, which makes start revision 0 mean
 * "after every write that completed before this call returned", as in the other bindings.
 *
 * <p>Plaintext or TLS (with the CA to verify the members by and, optionally, a client
 * certificate), the same for every endpoint. Thread-safe.
 */
public final class EtcdKeyValueStore implements KeyValueStore {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** etcd's metadata asking a member to refuse when it has no leader (clientv3's WithRequireLeader). */
  private static final Metadata.Key<String> REQUIRE_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final List<EtcdEndpoint> endpoints;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<KVGrpc.KVStub> kvStubs = new ArrayList<>();
  private final List<WatchGrpc.WatchStub> watchStubs = new ArrayList<>();
  private final Duration requestTimeout;
  private final AtomicInteger preferred = new AtomicInteger();
  private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** A store on the etcd cluster at {@code endpoints} ({@code host:port} or {@code http://host:port}). */
  public EtcdKeyValueStore(List<String> endpoints) {
    this(endpoints, DEFAULT_REQUEST_TIMEOUT);
  }

  /**
   * As {@link #EtcdKeyValueStore(List)}; a request (with its retries on other endpoints) fails
   * after {@code requestTimeout} with {@code NO_LEADER}, as the Ratis binding does. Plaintext:
   * an {@code https://} endpoint is refused.
   */
  public EtcdKeyValueStore(List<String> endpoints, Duration requestTimeout) {
    this(endpoints, requestTimeout, InsecureChannelCredentials.create());
  }

  /**
   * A store on the etcd cluster at {@code endpoints}, dialed with {@code credentials}: TLS
   * credentials (a {@link io.grpc.TlsChannelCredentials} with the CA to verify the members by
   * and, for members requiring one, a client certificate) need every endpoint given as
   * {@code https://}, plaintext ones every endpoint as {@code host:port} or {@code http://}; a
   * mixture is refused rather than half spoken in the clear.
   */
  public EtcdKeyValueStore(List<String> endpoints, Duration requestTimeout, ChannelCredentials credentials) {
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(credentials, "credentials");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("etcd endpoints: at least one host:port is required");
    }
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (requestTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
    }
    this.endpoints = endpoints.stream().map(EtcdEndpoint::parse).toList();
    boolean tls = !(credentials instanceof InsecureChannelCredentials);
    for (EtcdEndpoint endpoint : this.endpoints) {
      if (endpoint.tls() != tls) {
        throw new IllegalArgumentException(tls
            ? "etcd endpoint 'http://" + endpoint + "': TLS credentials are given, so every endpoint must be https://"
            : "etcd endpoint 'https://" + endpoint + "': no TLS credentials are given (a CA to verify it by);"
                + " give them, or use http://");
      }
    }
    Metadata requireLeader = new Metadata();
    requireLeader.put(REQUIRE_LEADER, "true");
    for (EtcdEndpoint endpoint : this.endpoints) {
      ManagedChannel channel = Grpc.newChannelBuilderForAddress(endpoint.host(), endpoint.port(), credentials)
          // etcd answers ranges as large as its data; the client takes what the server sends.
          .maxInboundMessageSize(Integer.MAX_VALUE)
          .build();
      channels.add(channel);
      kvStubs.add(KVGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requireLeader)));
      watchStubs.add(WatchGrpc.newStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requireLeader)));
    }
  }

  /** The endpoints, as parsed. */
  public List<String> endpoints() {
    return endpoints.stream().map(EtcdEndpoint::toString).toList();
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return call(request, true, KVGrpc.KVStub::range);
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request) {
    return call(request, false, KVGrpc.KVStub::put);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return call(request, false, KVGrpc.KVStub::deleteRange);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return call(request, MvccStore.isReadOnly(request), KVGrpc.KVStub::txn);
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    // Compacting to a revision twice fails the second time; the caller must see the first answer.
    return call(request, false, KVGrpc.KVStub::compact);
  }

  @Override
  public StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    EtcdWatch watch = new EtcdWatch(request, listener, watchStubs::get, endpoints.size(), preferred.get(),
        watches::remove);
    watches.add(watch);
    watch.start();
    try {
      watch.created().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      watch.close();
      throw e.getCause() instanceof StoreException store ? store
          : new StoreException(StoreException.Code.INTERNAL, "watch creation failed", e.getCause());
    } catch (TimeoutException e) {
      watch.close();
      throw StoreErrors.noLeader(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      watch.close();
      throw StoreErrors.unavailable("interrupted while creating a watch", e);
    }
    if (closed) {
      watch.close();
      checkOpen();
    }
    return watch;
  }

  /** Ends every watch (listeners hear nothing more) and closes the connections. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EtcdWatch watch : List.copyOf(watches)) {
      watch.close();
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }

  // ---- plumbing ----

  /** One unary KV method, as the generated async stub has it. */
  @FunctionalInterface
  private interface UnaryCall<Q, R> {
    void call(KVGrpc.KVStub stub, Q request, StreamObserver<R> responses);
  }

  private <Q, R> CompletableFuture<R> call(Q request, boolean idempotent, UnaryCall<Q, R> method) {
    CompletableFuture<R> result = new CompletableFuture<>();
    try {
      checkOpen();
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    Deadline deadline = Deadline.after(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    attempt(request, idempotent, method, deadline, preferred.get(), 1, result);
    return result;
  }

  private <Q, R> void attempt(Q request, boolean idempotent, UnaryCall<Q, R> method, Deadline deadline,
      int endpoint, int attempt, CompletableFuture<R> result) {
    if (closed) {
      result.completeExceptionally(StoreErrors.unavailable("store is closed"));
      return;
    }
    method.call(kvStubs.get(endpoint).withDeadline(deadline), request, new StreamObserver<R>() {
      private R response;

      @Override
      public void onNext(R value) {
        response = value;
      }

      @Override
      public void onCompleted() {
        result.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        Status status = Status.fromThrowable(error);
        if (closed) {
          result.completeExceptionally(StoreErrors.unavailable("store is closed", error));
          return;
        }
        if (status.getCode() == Status.Code.UNAVAILABLE) {
          // Later requests start at the next endpoint, whether or not this one may be retried.
          preferred.compareAndSet(endpoint, (endpoint + 1) % endpoints.size());
        }
        if (attempt < endpoints.size() && !deadline.isExpired()
            && EtcdFailures.worthAnotherEndpoint(status, idempotent)) {
          attempt(request, idempotent, method, deadline, (endpoint + 1) % endpoints.size(), attempt + 1, result);
        } else {
          result.completeExceptionally(EtcdFailures.toStoreException(status));
        }
      }
    });
  }

  private void checkOpen() {
    if (closed) {
      throw StoreErrors.unavailable("store is closed");
    }
  }
}

package dev.capstan.store.remote;

import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.etcdserverpb.WatchGrpc;
import dev.capstan.etcd.etcdserverpb.WatchProgressRequest;
import dev.capstan.etcd.etcdserverpb.WatchRequest;
import dev.capstan.etcd.etcdserverpb.WatchResponse;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch on a remote etcd, on a bidi Watch stream of its own. It remembers the next revision it
 * owes its listener, so when the stream breaks (endpoint down, member lost its leader) it creates
 * the watch again on the next endpoint from that revision, and the listener sees each revision
 * exactly once and in order. It gives up (onError) after every endpoint in turn failed without
 * the watch being created again.
 *
 * <p>Listener callbacks run under this object's lock, which serialises them across the streams a
 * failover goes through; the listener must not block.
 */
final class EtcdWatch implements StoreWatch {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);

  private final WatchCreateRequest request;
  private final StoreWatchListener listener;
  private final IntFunction<WatchGrpc.WatchStub> stubs;
  private final int endpointCount;
  private final Consumer<EtcdWatch> onEnd;
  /** Completes once etcd confirmed the first creation, or fails if no endpoint would create it. */
  private final CompletableFuture<Void> created = new CompletableFuture<>();

  // Guarded by this.
  /** The next revision the listener is owed; 0 until known for a watch "from now on". */
  private long nextRevision;
  private int endpoint;
  private int failedEndpointsInARow;
  private ClientCallStreamObserver<WatchRequest> stream;
  private boolean ended;

  EtcdWatch(WatchCreateRequest request, StoreWatchListener listener, IntFunction<WatchGrpc.WatchStub> stubs,
      int endpointCount, int firstEndpoint, Consumer<EtcdWatch> onEnd) {
    this.request = request;
    this.listener = listener;
    this.stubs = stubs;
    this.endpointCount = endpointCount;
    this.endpoint = firstEndpoint;
    this.onEnd = onEnd;
    this.nextRevision = Math.max(0, request.getStartRevision());
  }

  CompletableFuture<Void> created() {
    return created;
  }

  synchronized void start() {
    open();
  }

  @Override
  public void close() {
    ClientCallStreamObserver<WatchRequest> current;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      current = stream;
      stream = null;
    }
    if (current != null) {
      current.cancel("watch closed", null);
    }
    created.completeExceptionally(StoreErrors.unavailable("watch closed"));
    onEnd.accept(this);
  }

  /**
   * Sends etcd a progress request on this watch's stream (etcd 3.4 and later): etcd answers with a
   * progress notification once it has sent the watch everything up to its current revision.
   */
  @Override
  public synchronized boolean requestProgress() {
    if (ended || stream == null || !created.isDone()) {
      return false;
    }
    stream.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    return true;
  }

  // Guarded by this.
  private void open() {
    WatchCreateRequest create = request.toBuilder()
        .setStartRevision(nextRevision)
        // Fragments would split one revision across responses; this binding wants them whole.
        .setFragment(false)
        .build();
    stubs.apply(endpoint).watch(new Responses(endpoint))
        .onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
  }

  /** Ends the watch for good; {@code notify} tells the listener (or the creating caller) why. */
  private void end(Runnable notify) {
    ClientCallStreamObserver<WatchRequest> current;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      current = stream;
      stream = null;
      notify.run();
    }
    if (current != null) {
      current.cancel("watch ended", null);
    }
    onEnd.accept(this);
  }

  /** The responses of one stream; a failover opens a new stream with a new instance. */
  private final class Responses implements ClientResponseObserver<WatchRequest, WatchResponse> {

    private final int streamEndpoint;
    private ClientCallStreamObserver<WatchRequest> own;

    Responses(int streamEndpoint) {
      this.streamEndpoint = streamEndpoint;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      synchronized (EtcdWatch.this) {
        own = requestStream;
        stream = requestStream;
      }
    }

    /** Whether this stream is the watch's live one (not ended, not replaced by a failover). */
    private boolean current() {
      return !ended && stream == own;
    }

    @Override
    public void onNext(WatchResponse response) {
      synchronized (EtcdWatch.this) {
        if (!current()) {
          return;
        }
        if (response.getCreated()) {
          failedEndpointsInARow = 0;
          if (nextRevision == 0) {
            // From now on: etcd reports "now" as the header revision of the creation.
            nextRevision = response.getHeader().getRevision() + 1;
          }
          created.complete(null);
        }
        if (response.getCanceled()) {
          long compactRevision = response.getCompactRevision();
          if (compactRevision > 0) {
            end(() -> listener.onCompacted(compactRevision));
          } else {
            StoreException why = EtcdFailures.toStoreException(
                Status.UNAVAILABLE.withDescription(response.getCancelReason()));
            end(() -> listener.onError(why));
          }
          return;
        }
        if (response.getEventsCount() > 0) {
          deliverByRevision(response.getEventsList());
        } else if (!response.getCreated()) {
          // etcd only notifies progress to watches that have been sent everything up to it.
          long revision = response.getHeader().getRevision();
          nextRevision = Math.max(nextRevision, revision + 1);
          listener.onProgress(revision);
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      failed(Status.fromThrowable(error));
    }

    @Override
    public void onCompleted() {
      failed(Status.UNAVAILABLE.withDescription("etcd closed the watch stream"));
    }

    private void failed(Status status) {
      synchronized (EtcdWatch.this) {
        if (!current()) {
          return;
        }
        stream = null;
        failedEndpointsInARow++;
        boolean retry = failedEndpointsInARow < endpointCount
            && EtcdFailures.worthAnotherEndpoint(status, true);
        if (retry) {
          endpoint = (streamEndpoint + 1) % endpointCount;
          LOG.info("Watch on etcd endpoint #{} failed ({} {}); resuming from revision {} on #{}",
              streamEndpoint, status.getCode(), status.getDescription(), nextRevision, endpoint);
          open();
          return;
        }
        StoreException why = EtcdFailures.toStoreException(status);
        if (created.isDone()) {
          end(() -> listener.onError(why));
        } else {
          end(() -> created.completeExceptionally(why));
        }
      }
    }

    // Guarded by EtcdWatch.this.
    private void deliverByRevision(List<Event> events) {
      // One response may carry several revisions; the listener gets one call per revision.
      List<Event> batch = new ArrayList<>();
      long revision = events.get(0).getKv().getModRevision();
      for (Event event : events) {
        long eventRevision = event.getKv().getModRevision();
        if (eventRevision != revision) {
          deliver(revision, batch);
          batch = new ArrayList<>();
          revision = eventRevision;
        }
        batch.add(event);
      }
      deliver(revision, batch);
    }

    private void deliver(long revision, List<Event> batch) {
      if (revision < nextRevision) {
        return; // already delivered on a stream before a failover
      }
      nextRevision = revision + 1;
      try {
        listener.onEvents(revision, List.copyOf(batch));
      } catch (RuntimeException e) {
        LOG.warn("Watch listener {} failed", listener, e);
      }
    }
  }
}

package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.etcdserverpb.WatchGrpc;
import dev.capstan.etcd.etcdserverpb.WatchRequest;
import dev.capstan.etcd.etcdserverpb.WatchResponse;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * etcd's Watch service: one bidirectional stream carries many watches of a {@link KeyValueStore}.
 * <ul>
 *   <li>Every create is answered {@code created=true} in request order, with the watch's ID (the
 *       client's, or the next free one from 0) and, in the header, the revision the watch starts
 *       after; its events never overtake that reply. A start revision of 0 means "after the
 *       revision in the created reply", so no change slips between the two.</li>
 *   <li>A start revision that was compacted is answered created, then {@code canceled=true} with
 *       {@code compact_revision} set. A client-chosen ID already in use is answered created and
 *       canceled with the reason.</li>
 *   <li>Cancel answers {@code canceled=true}; nothing of that watch follows.</li>
 *   <li>A progress request is answered, for each watch that has caught up, by an event-less
 *       response with that watch's ID at the newest revision it has seen (after any event it
 *       still has on the way); on a stream without watches, by one with ID -1 at the store's
 *       current revision. Watches that asked for progress_notify get the store's periodic ones.</li>
 * </ul>
 * The store must run its watch listeners on a thread of its own (not inline on the writer).
 */
public final class EtcdWatchService extends WatchGrpc.WatchImplBase {

  private static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

  private final KeyValueStore store;
  private final EtcdClusterInfo cluster;
  private final LongSupplier revision;

  /** @param revision the current revision of the copy of the store that serves the watches */
  public EtcdWatchService(KeyValueStore store, EtcdClusterInfo cluster, LongSupplier revision) {
    this.store = Objects.requireNonNull(store, "store");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.revision = Objects.requireNonNull(revision, "revision");
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    return new WatchStream((ServerCallStreamObserver<WatchResponse>) responses);
  }

  /** One client stream; every send and every change of its watch table holds its monitor. */
  private final class WatchStream implements StreamObserver<WatchRequest> {

    private final ServerCallStreamObserver<WatchResponse> out;
    private final Map<Long, Listener> watches = new HashMap<>();
    private long nextId;
    private boolean closed;

    WatchStream(ServerCallStreamObserver<WatchResponse> out) {
      this.out = out;
      out.setOnCancelHandler(this::closeAll);
    }

    @Override
    public synchronized void onNext(WatchRequest request) {
      if (closed) {
        return;
      }
      switch (request.getRequestUnionCase()) {
        case CREATE_REQUEST -> create(request.getCreateRequest());
        case CANCEL_REQUEST -> cancel(request.getCancelRequest().getWatchId());
        case PROGRESS_REQUEST -> progress();
        default -> { }
      }
    }

    private void create(WatchCreateRequest request) {
      long current = revision.getAsLong();
      long id = request.getWatchId();
      if (id != 0 && watches.containsKey(id)) {
        send(WatchResponse.newBuilder().setHeader(cluster.header(current)).setWatchId(id).setCreated(true)
            .setCanceled(true).setCancelReason(DUPLICATE_ID).build());
        return;
      }
      if (id == 0) {
        while (watches.containsKey(nextId)) {
          nextId++;
        }
        id = nextId++;
      }
      WatchCreateRequest pinned = request.getStartRevision() > 0 ? request
          : request.toBuilder().setStartRevision(current + 1).build();
      Listener listener = new Listener(this, id);
      watches.put(id, listener);
      try {
        listener.watch = store.watch(pinned, listener);
      } catch (RuntimeException e) {
        watches.remove(id);
        send(WatchResponse.newBuilder().setHeader(cluster.header(current)).setWatchId(id).setCreated(true)
            .setCanceled(true).setCancelReason(String.valueOf(e.getMessage())).build());
        return;
      }
      // Holding the monitor: none of this watch's deliveries can be sent before this reply.
      send(WatchResponse.newBuilder().setHeader(cluster.header(current)).setWatchId(id).setCreated(true).build());
    }

    private void cancel(long id) {
      Listener listener = watches.remove(id);
      if (listener == null) {
        return;
      }
      listener.close();
      send(WatchResponse.newBuilder().setHeader(cluster.header(revision.getAsLong())).setWatchId(id)
          .setCanceled(true).build());
    }

    private void progress() {
      if (watches.isEmpty()) {
        send(WatchResponse.newBuilder().setHeader(cluster.header(revision.getAsLong())).setWatchId(-1).build());
        return;
      }
      for (Listener listener : watches.values()) {
        listener.watch.requestProgress();
      }
    }

    /** A delivery for {@code listener}, unless it was canceled meanwhile. */
    synchronized void deliver(Listener listener, WatchResponse response, boolean last) {
      if (closed || watches.get(listener.id) != listener) {
        return;
      }
      if (last) {
        watches.remove(listener.id);
      }
      send(response);
    }

    private void send(WatchResponse response) {
      if (!closed && !out.isCancelled()) {
        out.onNext(response);
      }
    }

    @Override
    public void onError(Throwable error) {
      closeAll();
    }

    @Override
    public synchronized void onCompleted() {
      closeAll();
      if (!out.isCancelled()) {
        out.onCompleted();
      }
    }

    private synchronized void closeAll() {
      closed = true;
      watches.values().forEach(Listener::close);
      watches.clear();
    }
  }

  /** Turns one store watch's callbacks into responses on its stream. */
  private final class Listener implements StoreWatchListener {

    private final WatchStream stream;
    private final long id;
    /** Set right after registration, under the stream's monitor, before any delivery is sent. */
    private volatile StoreWatch watch;

    Listener(WatchStream stream, long id) {
      this.stream = stream;
      this.id = id;
    }

    void close() {
      StoreWatch current = watch;
      if (current != null) {
        current.close();
      }
    }

    @Override
    public void onEvents(long revision, List<Event> events) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(revision)).setWatchId(id)
          .addAllEvents(events).build(), false);
    }

    @Override
    public void onProgress(long revision) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(revision)).setWatchId(id).build(),
          false);
    }

    @Override
    public void onCompacted(long compactRevision) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(EtcdWatchService.this.revision
              .getAsLong())).setWatchId(id).setCanceled(true).setCompactRevision(compactRevision)
          .setCancelReason(StoreErrors.COMPACTED).build(), true);
    }

    @Override
    public void onError(Throwable error) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(EtcdWatchService.this.revision
              .getAsLong())).setWatchId(id).setCanceled(true).setCancelReason(String.valueOf(error.getMessage()))
          .build(), true);
    }
  }
}

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
 *   <li>A client that reads slower than its watches produce is not buffered without bound: once
 *       more than {@code maxUnreadBytes} of responses wait for it, the stream's store watches are
 *       closed, and when the client has read what waits they are opened again from the revision
 *       after the last one it was sent, replaying the rest from the store's history (etcd's
 *       slow-watcher resync). If that history was compacted meanwhile, the watch is canceled
 *       with {@code compact_revision}, as any watch from a compacted revision.</li>
 * </ul>
 * The store must run its watch listeners on a thread of its own (not inline on the writer).
 */
public final class EtcdWatchService extends WatchGrpc.WatchImplBase {

  private static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  /** Responses one stream may have waiting for its client before its watches pause. */
  public static final long DEFAULT_MAX_UNREAD_BYTES = 16L * 1024 * 1024;

  private final KeyValueStore store;
  private final EtcdClusterInfo cluster;
  private final LongSupplier revision;
  private final long maxUnreadBytes;

  /** @param revision the current revision of the copy of the store that serves the watches */
  public EtcdWatchService(KeyValueStore store, EtcdClusterInfo cluster, LongSupplier revision) {
    this(store, cluster, revision, DEFAULT_MAX_UNREAD_BYTES);
  }

  /** As above, pausing a stream's watches once more than {@code maxUnreadBytes} wait for its client. */
  public EtcdWatchService(KeyValueStore store, EtcdClusterInfo cluster, LongSupplier revision, long maxUnreadBytes) {
    this.store = Objects.requireNonNull(store, "store");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.revision = Objects.requireNonNull(revision, "revision");
    if (maxUnreadBytes <= 0) {
      throw new IllegalArgumentException("maxUnreadBytes must be positive, got " + maxUnreadBytes);
    }
    this.maxUnreadBytes = maxUnreadBytes;
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
    /** Bytes sent since gRPC last had room for more: an upper bound of what waits for the client. */
    private long unreadBytes;
    /** Whether the store watches are closed until the client has read what waits. */
    private boolean paused;

    WatchStream(ServerCallStreamObserver<WatchResponse> out) {
      this.out = out;
      out.setOnCancelHandler(this::closeAll);
      out.setOnReadyHandler(this::drained);
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
      Listener listener = new Listener(this, id, pinned);
      watches.put(id, listener);
      try {
        // A paused stream opens it with the others once the client has read what waits.
        listener.watch = paused ? null : store.watch(pinned, listener);
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
        if (listener.watch != null) {
          listener.watch.requestProgress();
        }
      }
    }

    /**
     * A delivery for {@code listener} of everything up to {@code upTo} (-1: a terminal answer),
     * unless it was canceled or paused meanwhile.
     */
    synchronized void deliver(Listener listener, WatchResponse response, long upTo, boolean last) {
      if (closed || paused || watches.get(listener.id) != listener) {
        return;
      }
      if (!out.isReady() && unreadBytes + response.getSerializedSize() > maxUnreadBytes) {
        pause();
        return;
      }
      if (last) {
        watches.remove(listener.id);
      }
      if (upTo >= 0) {
        listener.sentUpTo = upTo;
      }
      send(response);
    }

    private void send(WatchResponse response) {
      if (closed || out.isCancelled()) {
        return;
      }
      if (out.isReady()) {
        unreadBytes = 0;
      }
      unreadBytes += response.getSerializedSize();
      out.onNext(response);
    }

    /** Closes the store watches; what they would have sent is replayed from history later. */
    private void pause() {
      paused = true;
      watches.values().forEach(Listener::close);
    }

    /** gRPC has room again (the client read what waited): reopen paused watches where they stopped. */
    private synchronized void drained() {
      unreadBytes = 0;
      if (!paused || closed) {
        return;
      }
      paused = false;
      for (Listener old : List.copyOf(watches.values())) {
        WatchCreateRequest resume = old.request.toBuilder().setStartRevision(old.sentUpTo + 1).build();
        Listener listener = new Listener(this, old.id, resume);
        watches.put(old.id, listener);
        try {
          listener.watch = store.watch(resume, listener);
        } catch (RuntimeException e) {
          watches.remove(old.id);
          send(WatchResponse.newBuilder().setHeader(cluster.header(revision.getAsLong())).setWatchId(old.id)
              .setCanceled(true).setCancelReason(String.valueOf(e.getMessage())).build());
        }
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
    /** The store watch's request; its start revision is pinned (never 0). */
    private final WatchCreateRequest request;
    /** Set right after registration, under the stream's monitor, before any delivery is sent. */
    private volatile StoreWatch watch;
    /** Guarded by the stream's monitor: the client has been sent every change up to this revision. */
    private long sentUpTo;

    Listener(WatchStream stream, long id, WatchCreateRequest request) {
      this.stream = stream;
      this.id = id;
      this.request = request;
      this.sentUpTo = request.getStartRevision() - 1;
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
          .addAllEvents(events).build(), revision, false);
    }

    @Override
    public void onProgress(long revision) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(revision)).setWatchId(id).build(),
          revision, false);
    }

    @Override
    public void onCompacted(long compactRevision) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(EtcdWatchService.this.revision
              .getAsLong())).setWatchId(id).setCanceled(true).setCompactRevision(compactRevision)
          .setCancelReason(StoreErrors.COMPACTED).build(), -1, true);
    }

    @Override
    public void onError(Throwable error) {
      stream.deliver(this, WatchResponse.newBuilder().setHeader(cluster.header(EtcdWatchService.this.revision
              .getAsLong())).setWatchId(id).setCanceled(true).setCancelReason(String.valueOf(error.getMessage()))
          .build(), -1, true);
    }
  }
}

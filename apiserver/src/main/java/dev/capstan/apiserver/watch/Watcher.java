package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.apiserver.registry.ObjectFilter;
import dev.capstan.client.Kind;
import dev.capstan.client.WatchEvent;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One client's watch: filters the cache's events, buffers up to a bound while the client is
 * not ready (gRPC flow control), and is cut off with RESOURCE_EXHAUSTED when the bound is
 * exceeded, so a slow client neither slows the others nor grows memory without limit.
 */
public final class Watcher<T extends Message> implements AutoCloseable {
  private final ObjectFilter<T> filter;
  private final boolean bookmarks;
  private final WatchSink<T> sink;
  private final int bufferSize;
  private final Consumer<Watcher<T>> onEnd;
  private final ArrayDeque<SharedEvent<T>> buffer = new ArrayDeque<>();
  private long sentRevision;
  private boolean ended;

  Watcher(ObjectFilter<T> filter, boolean bookmarks, WatchSink<T> sink, int bufferSize, long startRevision,
      Consumer<Watcher<T>> onEnd) {
    this.filter = filter;
    this.bookmarks = bookmarks;
    this.sink = sink;
    this.bufferSize = bufferSize;
    this.sentRevision = startRevision;
    this.onEnd = onEnd;
  }

  /** Translates a change into what this watcher sees: an object entering or leaving its selection. */
  synchronized void deliver(WatchCache.CachedEvent<T> e) {
    deliver(e, new Fanout<>(e));
  }

  /** As {@link #deliver(WatchCache.CachedEvent)}, with the events every watcher of this change shares. */
  synchronized void deliver(WatchCache.CachedEvent<T> e, Fanout<T> shared) {
    if (ended) {
      return;
    }
    boolean was = e.previous() != null && filter.matches(e.previous());
    boolean is = e.current() != null && filter.matches(e.current());
    if (is) {
      offer(was ? shared.modified() : shared.added(), e.revision());
    } else if (was) {
      offer(shared.deleted(), e.revision());
    }
  }

  synchronized void offer(SharedEvent<T> event, long revision) {
    if (ended) {
      return;
    }
    if (buffer.size() >= bufferSize) {
      terminate(Status.RESOURCE_EXHAUSTED.withDescription("watch client is too slow: more than " + bufferSize
          + " events waiting; restart the watch from the last resourceVersion received"));
      return;
    }
    buffer.addLast(event);
    sentRevision = Math.max(sentRevision, revision);
  }

  /** Writes buffered events while the client can take them; called again when it becomes ready. */
  public synchronized void flush() {
    while (!ended && !buffer.isEmpty() && sink.isReady()) {
      try {
        sink.send(buffer.removeFirst());
      } catch (RuntimeException clientGone) {
        // the stream was cancelled under us: stop this watcher without disturbing the others
        close();
      }
    }
  }

  synchronized void bookmark(Kind<T> kind, long revision) {
    if (!bookmarks || ended || !buffer.isEmpty() || revision < sentRevision) {
      return;
    }
    T empty = kind.withTypeMeta(kind.withMetadata(kind.defaultInstance(),
        dev.capstan.api.meta.v1.ObjectMeta.newBuilder().setResourceVersion(Long.toString(revision)).build()));
    sentRevision = revision;
    if (sink.isReady()) {
      sink.send(new WatchEvent<>(WatchEvent.BOOKMARK, empty));
    }
  }

  synchronized void terminate(Status status) {
    if (ended) {
      return;
    }
    ended = true;
    buffer.clear();
    onEnd.accept(this);
    sink.fail(status);
  }

  public synchronized boolean isEnded() {
    return ended;
  }

  /** The client went away. */
  @Override
  public synchronized void close() {
    if (!ended) {
      ended = true;
      buffer.clear();
      onEnd.accept(this);
    }
  }
}

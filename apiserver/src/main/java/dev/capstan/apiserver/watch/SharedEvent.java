package dev.capstan.apiserver.watch;

import dev.capstan.client.WatchEvent;
import java.util.function.Function;

/**
 * A watch event as the cache hands it to every watcher it concerns: the same instance to each, so
 * that a sink can encode it once for all of them ({@link #encoded}) instead of once per watcher,
 * as Kubernetes' watch cache serializes each object once per event. Lives only while some watcher
 * still buffers it; the cache's history keeps the event, not its encoding.
 */
public final class SharedEvent<T> {
  private final WatchEvent<T> event;
  private volatile Object encoded;

  SharedEvent(WatchEvent<T> event) {
    this.event = event;
  }

  public WatchEvent<T> event() {
    return event;
  }

  /**
   * The event in the form {@code encoder} makes, made by the first sink that asks and kept for
   * the others. Sinks that ask at the same time may each encode it; they get equal results, and
   * only one is kept. Every sink that calls this must pass an equivalent encoder.
   */
  @SuppressWarnings("unchecked")
  public <E> E encoded(Function<WatchEvent<T>, E> encoder) {
    Object e = encoded;
    if (e == null) {
      e = encoder.apply(event);
      encoded = e;
    }
    return (E) e;
  }
}

package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.client.WatchEvent;
import java.util.function.Supplier;

/**
 * A watch event as the cache hands it to every watcher it concerns: the same instance to each, so
 * that the object is decoded once for all the watchers that want it decoded ({@link #event}, the
 * in-process ones) and written in its wire form once for all the others ({@link #wireForm}, the
 * network's), as Kubernetes' watch cache serializes each object once per event. The wire form is
 * made from the stored bytes, never from a decoded object. Lives only while some watcher still
 * buffers it; the cache's history keeps the change, not its decoding or encoding. Thread-safe:
 * watchers flush on the cache's thread and on their streams' threads; two that ask at once may
 * each make the decoded or wire form, and get equal results.
 */
public final class SharedEvent<T extends Message> {
  private final String type;
  private final CachedObject<T> object;
  private final Supplier<T> decode;
  private volatile WatchEvent<T> event;
  private volatile byte[] wireForm;

  /** {@code decode} gives the object decoded, shared with the other events of the same change. */
  SharedEvent(String type, CachedObject<T> object, Supplier<T> decode) {
    this.type = type;
    this.object = object;
    this.decode = decode;
  }

  /** An event of its own, not shared with another change's events. */
  SharedEvent(String type, CachedObject<T> object) {
    this(type, object, object::object);
  }

  /** The event with the object decoded (made on the first call). */
  public WatchEvent<T> event() {
    WatchEvent<T> e = event;
    if (e == null) {
      e = new WatchEvent<>(type, decode.get());
      event = e;
    }
    return e;
  }

  /**
   * The event as its kind's watch event message encodes it ({@code type}, then the object with its
   * resourceVersion), made on the first call from the stored bytes. The array is never changed.
   */
  public byte[] wireForm() {
    byte[] w = wireForm;
    if (w == null) {
      w = WireForm.watchEvent(type, object);
      wireForm = w;
    }
    return w;
  }
}

package dev.capstan.client;

/** Receives a watch stream's events on a gRPC thread; must not block for long. */
public interface WatchHandler<T> {
  void onEvent(WatchEvent<T> event);

  /**
   * The stream ended. {@code error} is null for a clean end, else the gRPC status exception
   * (OUT_OF_RANGE means the resourceVersion is too old: relist).
   */
  void onClose(Throwable error);
}

package dev.capstan.client;

/**
 * Receives a watch stream's events on a gRPC thread -- on an apiserver's in-process client, the
 * server's own thread that delivers the event -- so it must not block.
 */
public interface WatchHandler<T> {
  void onEvent(WatchEvent<T> event);

  /**
   * The stream ended. {@code error} is null for a clean end, else the gRPC status exception
   * (OUT_OF_RANGE means the resourceVersion is too old: relist).
   */
  void onClose(Throwable error);
}

package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.client.WatchEvent;
import io.grpc.Status;

/** Where a {@link Watcher} writes: a gRPC server stream in production, a list in tests. */
public interface WatchSink<T extends Message> {
  /** True if the sink can take an event now without buffering (gRPC flow control). */
  boolean isReady();

  void send(WatchEvent<T> event);

  /**
   * Sends an event that other watchers receive as the same instance; a sink that encodes events
   * can keep the encoding on it ({@link SharedEvent#encoded}) for the others.
   */
  default void send(SharedEvent<T> event) {
    send(event.event());
  }

  /** Ends the stream with an error status. */
  void fail(Status status);
}

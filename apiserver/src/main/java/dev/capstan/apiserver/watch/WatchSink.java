package dev.capstan.apiserver.watch;

import dev.capstan.client.WatchEvent;
import io.grpc.Status;

/** Where a {@link Watcher} writes: a gRPC server stream in production, a list in tests. */
public interface WatchSink<T> {
  /** True if the sink can take an event now without buffering (gRPC flow control). */
  boolean isReady();

  void send(WatchEvent<T> event);

  /** Ends the stream with an error status. */
  void fail(Status status);
}

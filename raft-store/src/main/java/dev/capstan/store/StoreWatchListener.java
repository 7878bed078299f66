package dev.capstan.store;

import dev.capstan.etcd.mvccpb.Event;
import java.util.List;

/** Receives a watch's events. Callbacks for one watch never run concurrently. */
public interface StoreWatchListener {

  /** All events of one revision, in the order the request that made them listed them. */
  void onEvents(long revision, List<Event> events);

  /** The store has reached {@code revision} with nothing new for this watch (progress notify). */
  default void onProgress(long revision) {}

  /** The requested start revision was compacted; the watch has ended. */
  void onCompacted(long compactRevision);

  /** The watch ended because of a failure (store closed, peer lost, ...). */
  void onError(Throwable error);
}

package dev.capstan.store.mvcc;

import dev.capstan.etcd.mvccpb.Event;
import java.util.List;

/** One item queued for a watcher's listener. */
sealed interface WatchDelivery {

  /** The revision to resume from if this item (and all after it) must be replayed from history. */
  long resumeRevision();

  /** Ends the watch once delivered. */
  default boolean terminal() {
    return false;
  }

  record Events(long revision, List<Event> events) implements WatchDelivery {
    @Override
    public long resumeRevision() {
      return revision;
    }
  }

  record Progress(long revision) implements WatchDelivery {
    @Override
    public long resumeRevision() {
      return revision + 1;
    }
  }

  record Compacted(long compactRevision) implements WatchDelivery {
    @Override
    public long resumeRevision() {
      return Long.MAX_VALUE;
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }

  record Failed(Throwable error) implements WatchDelivery {
    @Override
    public long resumeRevision() {
      return Long.MAX_VALUE;
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }
}

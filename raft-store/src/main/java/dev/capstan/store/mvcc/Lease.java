package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * One granted lease as every peer holds it: its ID, the TTL it was granted with (seconds), and
 * the keys currently attached to it. When it runs out is not part of it: that is decided by the
 * leader alone ({@link LeaseExpiry}).
 */
final class Lease {

  private final long id;
  private final long ttl;
  private final NavigableSet<ByteString> keys = new TreeSet<>(KeyRange.KEY_ORDER);

  Lease(long id, long ttl) {
    this.id = id;
    this.ttl = ttl;
  }

  long id() {
    return id;
  }

  long ttl() {
    return ttl;
  }

  /** Attached keys in key order; live view. */
  NavigableSet<ByteString> keys() {
    return keys;
  }
}

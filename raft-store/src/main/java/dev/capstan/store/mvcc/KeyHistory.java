package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The kept versions of one key, oldest first. Reads at a revision see the newest version at or
 * before it; a tombstone there means the key did not exist.
 */
final class KeyHistory {

  private final ArrayList<KeyRevision> versions = new ArrayList<>(2);

  void append(KeyRevision version) {
    versions.add(version);
  }

  /** An independent copy: later appends and compactions of either do not show in the other. */
  KeyHistory copy() {
    KeyHistory copy = new KeyHistory();
    copy.versions.addAll(versions);
    return copy;
  }

  boolean isEmpty() {
    return versions.isEmpty();
  }

  List<KeyRevision> versions() {
    return Collections.unmodifiableList(versions);
  }

  /** The key, as its oldest kept version holds it; the history must not be empty. */
  ByteString key() {
    return versions.get(0).kv().getKey();
  }

  /** The live value now (including changes already made by the request being applied), or null. */
  KeyValue current() {
    if (versions.isEmpty()) {
      return null;
    }
    KeyRevision last = versions.get(versions.size() - 1);
    return last.tombstone() ? null : last.kv();
  }

  /** The live value as of {@code revision}, or null if the key did not exist then. */
  KeyValue valueAt(long revision) {
    int index = lastIndexAtOrBefore(revision);
    if (index < 0) {
      return null;
    }
    KeyRevision version = versions.get(index);
    return version.tombstone() ? null : version.kv();
  }

  /**
   * Drops what no read at or after {@code compactRevision} needs: every version older than the
   * newest one at or before it, and that one too if it is a tombstone, even one exactly at the
   * compact revision. etcd drops that tombstone as well, so a watch from the compact revision does
   * not see that delete (nor does a read there see the key, as it did not exist then). Returns the
   * {@link #sizeBytes} of the versions dropped.
   */
  long compact(long compactRevision) {
    int keep = lastIndexAtOrBefore(compactRevision);
    if (keep < 0) {
      return 0;
    }
    KeyRevision base = versions.get(keep);
    if (base.tombstone()) {
      keep++;
    }
    if (keep == 0) {
      return 0;
    }
    List<KeyRevision> dropped = versions.subList(0, keep);
    long bytes = sizeOf(dropped);
    dropped.clear();
    return bytes;
  }

  /** The serialized size of the kept versions. */
  long sizeBytes() {
    return sizeOf(versions);
  }

  private static long sizeOf(List<KeyRevision> list) {
    long bytes = 0;
    for (KeyRevision version : list) {
      bytes += version.kv().getSerializedSize();
    }
    return bytes;
  }

  private int lastIndexAtOrBefore(long revision) {
    int low = 0;
    int high = versions.size() - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (versions.get(mid).revision() <= revision) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }
}

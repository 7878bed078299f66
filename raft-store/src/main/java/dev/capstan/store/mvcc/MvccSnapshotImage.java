package dev.capstan.store.mvcc;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The state of an {@link MvccStore} at one revision, detached from the store: writing it out in
 * the snapshot format needs no lock, so a snapshot can be written while the store applies newer
 * revisions. Made by {@link MvccStore#snapshotImage()}.
 */
public final class MvccSnapshotImage {

  private final long revision;
  private final long compactRevision;
  private final NavigableMap<StoreKey, KeyHistory> keys;
  private final Map<Long, Long> leaseTtls;

  MvccSnapshotImage(long revision, long compactRevision, NavigableMap<StoreKey, KeyHistory> keys,
      Map<Long, Long> leaseTtls) {
    this.revision = revision;
    this.compactRevision = compactRevision;
    this.keys = keys;
    this.leaseTtls = leaseTtls;
  }

  /** The revision this image holds the state of. */
  public long revision() {
    return revision;
  }

  /** Writes the image in the snapshot format {@link MvccStore#restore} reads. */
  public void writeTo(OutputStream out) throws IOException {
    MvccSnapshotFormat.write(out, revision, compactRevision, keys, leaseTtls);
  }
}

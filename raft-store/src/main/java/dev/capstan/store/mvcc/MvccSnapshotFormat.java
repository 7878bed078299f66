package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.mvccpb.KeyValue;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The byte layout of an {@link MvccStore} snapshot: every kept version of every key plus the
 * revision counters, framed and CRC32-checked.
 *
 * <pre>
 * int magic "MVCC", int format version (2; 1 is read too)
 * long revision, long compact revision
 * int key count; per key: bytes key, int version count;
 *   per version: long revision, int sub, boolean tombstone, [bytes KeyValue without its key]
 * int lease count; per lease: long ID, long granted TTL (seconds)   (always 0 in format 1)
 * long CRC32 of everything before it
 * </pre>
 * where {@code bytes} is an int length followed by that many bytes. A lease's keys are not
 * stored: they are the live keys whose value names the lease.
 */
final class MvccSnapshotFormat {

  private static final int MAGIC = 0x4d564343;
  private static final int FORMAT_VERSION = 2;
  private static final int FORMAT_WITHOUT_LEASES = 1;
  /** No key or value can exceed a request, so a larger length means corruption. */
  private static final int MAX_FIELD_BYTES = 4 * RequestValidator.MAX_REQUEST_BYTES;

  /** A snapshot read back. */
  record Contents(long revision, long compactRevision, NavigableMap<StoreKey, KeyHistory> keys,
      Map<Long, Long> leaseTtls) {}

  private MvccSnapshotFormat() {}

  static void write(OutputStream target, long revision, long compactRevision,
      NavigableMap<StoreKey, KeyHistory> keys, Map<Long, Long> leaseTtls) throws IOException {
    CRC32 crc = new CRC32();
    BufferedOutputStream buffered = new BufferedOutputStream(target, 1 << 16);
    DataOutputStream out = new DataOutputStream(new CheckedOutputStream(buffered, crc));
    out.writeInt(MAGIC);
    out.writeInt(FORMAT_VERSION);
    out.writeLong(revision);
    out.writeLong(compactRevision);
    out.writeInt(keys.size());
    for (Map.Entry<StoreKey, KeyHistory> entry : keys.entrySet()) {
      writeBytes(out, entry.getKey().toByteString());
      var versions = entry.getValue().versions();
      out.writeInt(versions.size());
      for (KeyRevision version : versions) {
        out.writeLong(version.revision());
        out.writeInt(version.sub());
        out.writeBoolean(version.tombstone());
        if (!version.tombstone()) {
          writeBytes(out, version.kv().toBuilder().clearKey().build().toByteString());
        }
      }
    }
    out.writeInt(leaseTtls.size());
    for (Map.Entry<Long, Long> lease : leaseTtls.entrySet()) {
      out.writeLong(lease.getKey());
      out.writeLong(lease.getValue());
    }
    out.flush();
    // The checksum itself is written past the checked stream.
    new DataOutputStream(buffered).writeLong(crc.getValue());
    buffered.flush();
  }

  static Contents read(InputStream source) throws IOException {
    return read(new BufferedInputStream(source, 1 << 16));
  }

  /**
   * Reads a snapshot that must be all of {@code source}: bytes after its checksum mean the file
   * is not what was written (two files run together, say), so they are an error too.
   */
  static Contents readWhole(InputStream source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(source, 1 << 16);
    Contents contents = read(buffered);
    if (buffered.read() != -1) {
      throw new IOException("unexpected bytes after the snapshot's checksum");
    }
    return contents;
  }

  private static Contents read(BufferedInputStream buffered) throws IOException {
    CRC32 crc = new CRC32();
    DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc));
    if (in.readInt() != MAGIC) {
      throw new IOException("not an MVCC store snapshot (bad magic)");
    }
    int format = in.readInt();
    if (format != FORMAT_VERSION && format != FORMAT_WITHOUT_LEASES) {
      throw new IOException("unsupported MVCC snapshot format " + format);
    }
    long revision = in.readLong();
    long compactRevision = in.readLong();
    int keyCount = in.readInt();
    NavigableMap<StoreKey, KeyHistory> keys = new TreeMap<>();
    for (int k = 0; k < keyCount; k++) {
      ByteString key = readBytes(in);
      int versionCount = in.readInt();
      KeyHistory history = new KeyHistory();
      for (int v = 0; v < versionCount; v++) {
        long versionRevision = in.readLong();
        int sub = in.readInt();
        boolean tombstone = in.readBoolean();
        if (tombstone) {
          KeyValue marker = KeyValue.newBuilder().setKey(key).setModRevision(versionRevision).build();
          history.append(new KeyRevision(versionRevision, sub, marker, true));
        } else {
          KeyValue kv = KeyValue.parseFrom(readBytes(in)).toBuilder().setKey(key).build();
          history.append(KeyRevision.put(versionRevision, sub, kv));
        }
      }
      keys.put(StoreKey.of(key), history);
    }
    int leaseCount = in.readInt();
    if (leaseCount < 0 || (format == FORMAT_WITHOUT_LEASES && leaseCount != 0)) {
      throw new IOException("corrupt MVCC snapshot: lease count " + leaseCount);
    }
    Map<Long, Long> leaseTtls = new LinkedHashMap<>();
    for (int i = 0; i < leaseCount; i++) {
      long id = in.readLong();
      leaseTtls.put(id, in.readLong());
    }
    long expected = crc.getValue();
    long recorded = new DataInputStream(buffered).readLong();
    if (expected != recorded) {
      throw new IOException("MVCC snapshot checksum mismatch: the file is corrupt");
    }
    return new Contents(revision, compactRevision, keys, leaseTtls);
  }

  private static void writeBytes(DataOutputStream out, ByteString bytes) throws IOException {
    out.writeInt(bytes.size());
    bytes.writeTo(out);
  }

  private static ByteString readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_FIELD_BYTES) {
      throw new IOException("corrupt MVCC snapshot: field length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return ByteString.copyFrom(bytes);
  }
}

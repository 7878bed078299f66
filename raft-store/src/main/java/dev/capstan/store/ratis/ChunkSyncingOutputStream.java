package dev.capstan.store.ratis;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes a large file (a snapshot) to a channel and syncs it every {@code chunkBytes}, so that
 * its data reaches the disk a chunk at a time instead of in one sync at the end. A peer's Raft log
 * syncs every write; behind one sync of a whole snapshot (tens of megabytes, and on one machine
 * every peer's at once) those syncs waited hundreds of milliseconds, which stalled every write of
 * the group. Behind a chunk they wait a few.
 */
final class ChunkSyncingOutputStream extends OutputStream {
  private final FileChannel channel;
  private final long chunkBytes;
  private long unsynced;
  private int syncs;

  ChunkSyncingOutputStream(FileChannel channel, long chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be positive, got " + chunkBytes);
    }
    this.channel = channel;
    this.chunkBytes = chunkBytes;
  }

  /** How many times a full chunk was synced so far. */
  int syncs() {
    return syncs;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    unsynced += length;
    if (unsynced >= chunkBytes) {
      channel.force(false);
      unsynced = 0;
      syncs++;
    }
  }
}

package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkSyncingOutputStreamTest {
  @TempDir
  Path dir;

  @Test
  void writesEveryByteInOrderAndSyncsOncePerChunk() throws Exception {
    byte[] data = new byte[10_000];
    new Random(7).nextBytes(data);
    Path file = dir.resolve("snapshot");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ChunkSyncingOutputStream out = new ChunkSyncingOutputStream(channel, 1024);
      out.write(data, 0, 3000);
      assertThat(out.syncs()).as("3000 bytes in one write: one sync").isEqualTo(1);
      out.write(data[3000]);
      out.write(data, 3001, 1023);
      assertThat(out.syncs()).as("a byte and 1023 more: the next chunk").isEqualTo(2);
      for (int offset = 4024; offset < 9144; offset += 1024) {
        out.write(data, offset, 1024);
      }
      assertThat(out.syncs()).isEqualTo(7);
      out.write(data, 9144, data.length - 9144);
      assertThat(out.syncs()).as("856 bytes are less than a chunk").isEqualTo(7);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @Test
  void aChunkMustHoldAByte() throws Exception {
    try (FileChannel channel = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      assertThatThrownBy(() -> new ChunkSyncingOutputStream(channel, 0))
          .hasMessage("chunkBytes must be positive, got 0");
    }
  }
}

package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
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
  void writesEveryByteInOrderAcrossChunks() throws Exception {
    byte[] data = new byte[10_000];
    new Random(7).nextBytes(data);
    Path file = dir.resolve("snapshot");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      OutputStream out = new ChunkSyncingOutputStream(channel, 1024);
      out.write(data, 0, 3000);
      out.write(data[3000]);
      out.write(data, 3001, data.length - 3001);
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

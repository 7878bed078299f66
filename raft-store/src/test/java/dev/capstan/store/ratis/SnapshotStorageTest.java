package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Old snapshots are deleted at the first clean-up and after each added snapshot, not on every call. */
class SnapshotStorageTest {

  private static final SnapshotRetentionPolicy KEEP_TWO = new SnapshotRetentionPolicy() {
    @Override
    public int getNumSnapshotsRetained() {
      return 2;
    }
  };

  @TempDir
  Path dir;
  private RaftStorage raftStorage;
  private final SnapshotStorage storage = new SnapshotStorage();
  private Path snapshots;

  @BeforeEach
  void initialize() throws IOException {
    raftStorage = FormattedRaftStorage.in(dir);
    storage.init(raftStorage);
    snapshots = raftStorage.getStorageDir().getStateMachineDir().toPath();
  }

  @AfterEach
  void close() throws IOException {
    raftStorage.close();
  }

  @Test
  void theDirectoryIsCleanedUpOnlyWhenASnapshotWasAdded() throws IOException {
    for (long index : new long[] {10, 20, 30, 40}) {
      Files.writeString(snapshots.resolve("snapshot.1_" + index), "x");
    }
    storage.cleanupOldSnapshots(KEEP_TWO);
    assertThat(names()).containsExactlyInAnyOrder("snapshot.1_30", "snapshot.1_40");

    // Nothing was added: the directory is not even listed, so an extra file stays.
    Files.writeString(snapshots.resolve("snapshot.1_5"), "x");
    storage.cleanupOldSnapshots(KEEP_TWO);
    assertThat(names()).contains("snapshot.1_5");

    Files.writeString(snapshots.resolve("snapshot.1_50"), "x");
    storage.snapshotAdded();
    storage.cleanupOldSnapshots(KEEP_TWO);
    assertThat(names()).containsExactlyInAnyOrder("snapshot.1_40", "snapshot.1_50");
  }

  private Stream<String> names() throws IOException {
    try (Stream<Path> files = Files.list(snapshots)) {
      return files.map(p -> p.getFileName().toString()).toList().stream();
    }
  }
}

package dev.capstan.store.ratis;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;

/** A Ratis storage directory formatted afresh, for tests that drive a state machine's storage without a server. */
final class FormattedRaftStorage {

  private FormattedRaftStorage() {
  }

  /** Formats {@code dir} as a Ratis storage directory and returns it initialized; the caller closes it. */
  static RaftStorage in(Path dir) throws IOException {
    RaftStorage storage = RaftStorage.newBuilder().setDirectory(dir.toFile())
        .setOption(RaftStorage.StartupOption.FORMAT)
        .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.getDefault())
        .setStorageFreeSpaceMin(SizeInBytes.ONE_MB).build();
    storage.initialize();
    return storage;
  }
}

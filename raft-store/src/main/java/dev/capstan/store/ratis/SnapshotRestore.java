package dev.capstan.store.ratis;

import dev.capstan.store.mvcc.MvccStore;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Writes a new member's data dir from a store snapshot file (what {@code capstan store snapshot
 * save} wrote), as {@code etcdutl snapshot restore} does: each member of a new cluster is restored
 * from the same file under its own name, and the cluster started on those dirs serves exactly the
 * snapshot's keys, history, revision and compaction point. Leases are kept with their granted
 * TTLs; the new cluster's first leader gives each its full TTL again (as on any leader change), so
 * a lease whose holder is gone expires one TTL after the cluster is up.
 *
 * <p>How the peer starts from the snapshot: the dir is laid out exactly as a peer's after it took
 * a Raft snapshot and purged its log, at {@link #RESTORED_AT} (term 1, index 1): a formatted Ratis
 * storage whose metadata records term 1, the group's configuration as of that index
 * ({@code raft-meta.conf}, so the restored membership is the one in force), and the store snapshot
 * as {@code sm/snapshot.1_1} with its MD5 in {@link SimpleStateMachineStorage}'s layout. Ratis
 * then opens an empty log that starts after the snapshot, the state machine loads it as on any
 * restart, and the first leader's entries follow it at term 2 or later. Why this rather than an
 * empty group that loads a "seed" file on first start: the state lives only in a real Raft
 * snapshot, so a member that joins later, whose log would start at 0, cannot replay the log
 * without it: the leader has no entry before index 2 and must send it the snapshot.
 *
 * <p>Nothing is written unless the file reads back whole with a matching CRC32; the dir is built
 * under a temporary name beside the target and renamed into place at the end, and a target that
 * exists and is not empty is refused.
 */
public final class SnapshotRestore {

  /** The Raft position the restored state takes in the new group. */
  static final TermIndex RESTORED_AT = TermIndex.valueOf(1, 1);

  /** What a restore wrote. */
  public record Restored(Path dataDir, long revision, long compactRevision, int liveKeys, int leases) {}

  private SnapshotRestore() {}

  /**
   * Restores {@code snapshot} into {@code member.dataDir()} for the member {@code member.id()} of
   * the group {@code member.peers()}. Throws {@link IllegalArgumentException} naming the problem
   * (unreadable or corrupt file, data dir not empty) before anything is written.
   */
  public static Restored restore(Path snapshot, RaftStorePeer.Config member) throws IOException {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(member, "member");
    MvccStore.SnapshotSummary summary = verify(snapshot);
    Path target = member.dataDir().toAbsolutePath().normalize();
    requireNewDir(target);
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path building = Files.createTempDirectory(parent, target.getFileName() + ".restoring-");
    try {
      writeMember(snapshot, building, member);
      Files.deleteIfExists(target); // an empty dir, checked above
      Files.move(building, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteTree(building);
      throw e;
    }
    return new Restored(target, summary.revision(), summary.compactRevision(), summary.liveKeys(), summary.leases());
  }

  /** Reads the whole file and checks its CRC32; what it holds, or an error naming the file. */
  public static MvccStore.SnapshotSummary verify(Path snapshot) {
    try (InputStream in = Files.newInputStream(snapshot)) {
      return MvccStore.verifySnapshot(in);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(snapshot + ": no such file");
    } catch (EOFException e) {
      throw new IllegalArgumentException(snapshot + ": not a complete store snapshot: the file is truncated");
    } catch (IOException e) {
      throw new IllegalArgumentException(snapshot + ": not a valid store snapshot: " + e.getMessage());
    }
  }

  private static void requireNewDir(Path target) throws IOException {
    if (!Files.exists(target)) {
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new IllegalArgumentException("data dir " + target + " exists and is not a directory");
    }
    try (Stream<Path> entries = Files.list(target)) {
      if (entries.findAny().isPresent()) {
        throw new IllegalArgumentException("data dir " + target
            + " is not empty; restore writes a new member's data dir and never overwrites one");
      }
    }
  }

  private static void writeMember(Path snapshot, Path dataDir, RaftStorePeer.Config member) throws IOException {
    // The layout a peer's RaftServer expects under its storage dir: one dir per group.
    Path groupDir = dataDir.resolve(RaftStorePeer.GROUP_ID.getUuid().toString());
    RaftStorage storage = RaftStorage.newBuilder()
        .setDirectory(groupDir.toFile())
        .setOption(RaftStorage.StartupOption.FORMAT)
        .setStorageFreeSpaceMin(RaftServerConfigKeys.storageFreeSpaceMin(new RaftProperties()))
        .build();
    storage.initialize();
    try {
      storage.getMetadataFile().persist(RaftStorageMetadata.valueOf(RESTORED_AT.getTerm(), null));
      writeConfiguration(storage.getStorageDir().getCurrentDir().toPath().resolve("raft-meta.conf"), member);
      SimpleStateMachineStorage smStorage = new SimpleStateMachineStorage();
      smStorage.init(storage);
      Path file = smStorage.getSnapshotFile(RESTORED_AT.getTerm(), RESTORED_AT.getIndex()).toPath();
      copySynced(snapshot, file);
      MD5FileUtil.computeAndSaveMd5ForFile(file.toFile());
    } finally {
      storage.close();
    }
    Files.deleteIfExists(groupDir.resolve("in_use.lock"));
  }

  /** The group's membership as of the snapshot, as Ratis records the configuration it last applied. */
  private static void writeConfiguration(Path file, RaftStorePeer.Config member) throws IOException {
    RaftConfigurationProto.Builder conf = RaftConfigurationProto.newBuilder();
    for (PeerAddress peer : member.peerAddresses()) {
      conf.addPeers(RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.address()).build().getRaftPeerProto());
    }
    LogEntryProto entry = LogEntryProto.newBuilder()
        .setTerm(RESTORED_AT.getTerm())
        .setIndex(RESTORED_AT.getIndex())
        .setConfigurationEntry(conf)
        .build();
    try (OutputStream out = Files.newOutputStream(file)) {
      entry.writeTo(out);
    }
  }

  private static void copySynced(Path source, Path target) throws IOException {
    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}

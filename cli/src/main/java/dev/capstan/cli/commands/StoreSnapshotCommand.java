package dev.capstan.cli.commands;

import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.SnapshotRequest;
import dev.capstan.etcd.etcdserverpb.SnapshotResponse;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.SnapshotRestore;
import dev.capstan.store.remote.EtcdEndpoint;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code capstan store snapshot ...}: copies of a running store's data, and new members made from them. */
@Command(name = "snapshot", description = "Save a copy of a running store's data, or restore one into a new member's data dir.",
    subcommands = {StoreSnapshotCommand.Save.class, StoreSnapshotCommand.Restore.class})
public final class StoreSnapshotCommand {

  /**
   * {@code capstan store snapshot save FILE}: the data of one member (the first of
   * {@code --endpoints} that answers), through the etcd Maintenance.Snapshot RPC, written to
   * {@code FILE.part} and renamed to {@code FILE} once complete. The file is Capstan's store
   * snapshot format (the one its Raft snapshots use), not etcd's bbolt database.
   */
  @Command(name = "save", description = "Save a snapshot of a running store's data to FILE.")
  public static final class Save implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "where to write the snapshot")
    Path file;

    @Option(names = "--endpoints", split = ",", description = "store members' etcd endpoints as HOST:PORT;"
        + " the first that answers is used (default: 127.0.0.1:2379)")
    List<String> endpoints = new ArrayList<>(List.of("127.0.0.1:2379"));

    @Option(names = "--timeout", description = "how long one member may take to send the snapshot, in seconds"
        + " (default: 60)")
    long timeoutSeconds = 60;

    @Mixin
    StoreClientTlsOptions tls = new StoreClientTlsOptions();

    @Override
    public Integer call() throws IOException {
      List<EtcdEndpoint> members = StoreEndpoints.parse(endpoints, tls.enabled());
      Path target = file.toAbsolutePath();
      Path part = target.resolveSibling(target.getFileName() + ".part");
      ChannelCredentials credentials = tls.credentials();
      List<String> failures = new ArrayList<>();
      for (EtcdEndpoint member : members) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(member.host(), member.port(), credentials).build();
        try {
          Downloaded saved = download(channel, part);
          Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          System.out.println("Snapshot saved at " + file + " (" + saved.bytes() + " bytes, revision "
              + saved.revision() + ", from " + member + ")");
          return 0;
        } catch (StatusRuntimeException e) {
          String code = e.getStatus().getCode().toString();
          String why = StoreCallFailure.describe(e, tls.enabled(), tls.presentsCertificate(),
              StoreClientTlsOptions.DIAL_FLAGS);
          failures.add(member + ": " + (why.equals(code) ? code : code + " " + why));
        } catch (CliException | IOException e) {
          failures.add(member + ": " + e.getMessage());
        } finally {
          // Whatever failed, no half snapshot stays behind (after a success it was moved away).
          Files.deleteIfExists(part);
          channel.shutdownNow();
        }
      }
      throw new CliException("no store member sent a snapshot: " + String.join("; ", failures));
    }

    /** What one download wrote: its size and the revision the snapshot holds. */
    private record Downloaded(long bytes, long revision) {}

    private Downloaded download(ManagedChannel channel, Path part) throws IOException {
      Iterator<SnapshotResponse> chunks = MaintenanceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS).snapshot(SnapshotRequest.getDefaultInstance());
      long written = 0;
      long remaining = -1;
      long revision = 0;
      try (OutputStream out = Files.newOutputStream(part)) {
        while (chunks.hasNext()) {
          SnapshotResponse chunk = chunks.next();
          if (chunk.hasHeader() && revision == 0) {
            revision = chunk.getHeader().getRevision();
          }
          chunk.getBlob().writeTo(out);
          written += chunk.getBlob().size();
          remaining = chunk.getRemainingBytes();
        }
      }
      if (remaining != 0) {
        throw new CliException("the snapshot stream ended early: " + remaining + " bytes missing after " + written);
      }
      try (FileChannel synced = FileChannel.open(part, StandardOpenOption.WRITE)) {
        synced.force(true);
      }
      return new Downloaded(written, revision);
    }
  }

  /**
   * {@code capstan store snapshot restore FILE --data-dir DIR --name NAME --initial-cluster ...}:
   * writes one member's data dir of a NEW cluster from a saved snapshot, as {@code etcdutl snapshot
   * restore} does. Restore the same file once per member, each with its own name and dir, then
   * start each member with the same {@code --name}, {@code --data-dir} and {@code --initial-cluster}.
   * The file is checked whole (CRC32) first; a bad file or a non-empty dir writes nothing.
   */
  @Command(name = "restore", description = "Write a new member's data dir from a snapshot FILE (one per member"
      + " of a new cluster).")
  public static final class Restore implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a snapshot written by 'capstan store snapshot save'")
    Path file;

    @Option(names = "--data-dir", required = true, description = "the new member's data dir; must not exist or be"
        + " empty (for 'capstan server' and 'up' it is <their data dir>/store)")
    Path dataDir;

    @Option(names = "--name", description = "the new member's name (default: capstan)")
    String name = "capstan";

    @Option(names = "--initial-cluster", split = ",", description = "every member of the new cluster as"
        + " NAME=HOST:RAFT_PORT, this one included (default: this member alone on 127.0.0.1:2380)")
    List<String> initialCluster = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
      String raftAddress = initialCluster.isEmpty() ? "127.0.0.1:" + RaftStorePeer.DEFAULT_PORT
          : ownAddress();
      RaftStorePeer.Config member = InitialCluster.storeConfig(name, dataDir, raftAddress, initialCluster);
      try {
        SnapshotRestore.verify(file);
      } catch (IllegalArgumentException e) {
        throw new CliException("FILE " + e.getMessage());
      }
      SnapshotRestore.Restored restored;
      try {
        restored = SnapshotRestore.restore(file, member);
      } catch (IllegalArgumentException e) {
        throw new CliException("--data-dir: " + e.getMessage());
      }
      System.out.println("Restored revision " + restored.revision() + " (" + restored.liveKeys() + " keys, "
          + restored.leases() + " leases, compacted at " + restored.compactRevision() + ") into "
          + restored.dataDir() + " for member \"" + name + "\" of " + String.join(",", member.peers()));
      System.out.println("Start it with: capstan store --name " + name + " --data-dir " + dataDir
          + " --initial-cluster " + String.join(",", member.peers()));
      return 0;
    }

    /** This member's HOST:PORT as the flag lists it, so that the peer config checks see one address. */
    private String ownAddress() {
      for (String spec : initialCluster) {
        int eq = spec.indexOf('=');
        if (eq > 0 && spec.substring(0, eq).equals(name)) {
          return spec.substring(eq + 1);
        }
      }
      throw new CliException("--initial-cluster: must include this member (--name " + name + ") as "
          + name + "=HOST:RAFT_PORT");
    }
  }
}

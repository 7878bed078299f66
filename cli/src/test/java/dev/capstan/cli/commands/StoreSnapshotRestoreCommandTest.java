package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.cli.Capstan;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.store.mvcc.MvccStore;
import dev.capstan.store.ratis.RaftStorePeer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capstan store snapshot restore} and the compaction flags, run through the CLI's entry
 * point: what they write and how they refuse bad input. (The restored cluster itself is started
 * in raft-store's SnapshotRestoreTest and, through the binary, in e2e.)
 */
class StoreSnapshotRestoreCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream savedOut;
  private PrintStream savedErr;

  @BeforeEach
  void capture() {
    savedOut = System.out;
    savedErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(savedOut);
    System.setErr(savedErr);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path snapshot() throws Exception {
    MvccStore store = new MvccStore(Runnable::run);
    long lease = store.leaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(60).build()).response().getID();
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/a")).setValue(ByteString.copyFromUtf8("1")).build());
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/b")).setValue(ByteString.copyFromUtf8("2"))
        .setLease(lease).build());
    Path file = dir.resolve("backup.snap");
    try (OutputStream target = Files.newOutputStream(file)) {
      store.writeSnapshot(target);
    }
    store.close();
    return file;
  }

  @Test
  void restoresOneMemberOfANewCluster() throws Exception {
    Path file = snapshot();
    Path member = dir.resolve("s2");
    int code = Capstan.run("store", "snapshot", "restore", file.toString(), "--data-dir", member.toString(),
        "--name", "s2", "--initial-cluster", "s1=127.0.0.1:12380,s2=127.0.0.1:12381,s3=127.0.0.1:12382");
    assertThat(code).as(err()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Restored revision 3 (2 keys, 1 leases, compacted at 0)")
        .contains("for member \"s2\" of s1=127.0.0.1:12380,s2=127.0.0.1:12381,s3=127.0.0.1:12382")
        .contains("Start it with: capstan store --name s2 --data-dir " + member);
    try (var files = Files.walk(member)) {
      assertThat(files.map(p -> p.getFileName().toString())).contains("snapshot.1_1", "snapshot.1_1.md5",
          "raft-meta", "raft-meta.conf");
    }
  }

  @Test
  void aBadFileOrAUsedDirIsRefusedNamingWhatIsWrong() throws Exception {
    byte[] good = Files.readAllBytes(snapshot());
    Path truncated = Files.write(dir.resolve("cut.snap"), Arrays.copyOf(good, good.length - 1));
    Path member = dir.resolve("m");
    assertThat(Capstan.run("store", "snapshot", "restore", truncated.toString(), "--data-dir", member.toString()))
        .isEqualTo(1);
    assertThat(err()).contains("error: FILE " + truncated + ": not a complete store snapshot: the file is truncated");
    assertThat(member).doesNotExist();

    Files.createDirectories(member);
    Files.writeString(member.resolve("old"), "x");
    err.reset();
    assertThat(Capstan.run("store", "snapshot", "restore", dir.resolve("backup.snap").toString(),
        "--data-dir", member.toString())).isEqualTo(1);
    assertThat(err()).contains("error: --data-dir: data dir " + member.toAbsolutePath() + " is not empty");

    err.reset();
    assertThat(Capstan.run("store", "snapshot", "restore", dir.resolve("backup.snap").toString(),
        "--data-dir", dir.resolve("n").toString(), "--name", "s9", "--initial-cluster", "s1=127.0.0.1:2380"))
        .isEqualTo(1);
    assertThat(err()).contains("error: --initial-cluster: must include this member (--name s9)");

    err.reset();
    assertThat(Capstan.run("store", "snapshot", "restore", dir.resolve("backup.snap").toString())).isEqualTo(2);
    assertThat(err()).contains("Missing required option: '--data-dir=<dataDir>'");
  }

  @Test
  void badCompactionFlagsAreRefusedNamingTheFlagBeforeAnythingStarts() {
    Path data = dir.resolve("data");
    assertThat(Capstan.run("store", "--data-dir", data.toString(), "--auto-compaction-retention", "5 minutes"))
        .isEqualTo(1);
    assertThat(err()).contains("error: --auto-compaction-retention: in periodic mode the retention is a duration");
    err.reset();
    assertThat(Capstan.run("server", "--name", "s1", "--data-dir", data.toString(), "--auto-compaction-mode", "daily"))
        .isEqualTo(1);
    assertThat(err()).contains("error: --auto-compaction-mode: expected periodic or revision, got \"daily\"");
    err.reset();
    assertThat(Capstan.run("up", "--data-dir", data.toString(), "--auto-compaction-mode", "revision",
        "--auto-compaction-retention", "5m")).isEqualTo(1);
    assertThat(err()).contains("error: --auto-compaction-retention: in revision mode the retention is a number");
    assertThat(data).doesNotExist();
  }

  @Test
  void snapshotCountSetsTheEntriesBetweenSnapshotsAndABadOneIsRefusedNamingTheFlag() {
    Path data = dir.resolve("data");
    assertThat(Capstan.run("store", "--data-dir", data.toString(), "--snapshot-count", "0")).isEqualTo(1);
    assertThat(err()).contains("error: --snapshot-count: must be at least 1, got 0");
    assertThat(data).doesNotExist();

    StoreCommand store = new StoreCommand();
    assertThat(store.tuning(RaftStorePeer.Tuning.defaults()).snapshotThreshold()).isEqualTo(10_000);
    store.snapshotCount = 100_000;
    assertThat(store.tuning(RaftStorePeer.Tuning.defaults()).snapshotThreshold()).isEqualTo(100_000);
  }

  @Test
  void theControlPlaneKeepsFiveMinutesAndTheStoreKeepsEverythingByDefault() {
    AutoCompactionOptions none = new AutoCompactionOptions();
    assertThat(none.policy(AutoCompactionOptions.CONTROL_PLANE_RETENTION).period()).hasMinutes(5);
    assertThat(none.policy(AutoCompactionOptions.STORE_RETENTION).enabled()).isFalse();
  }
}

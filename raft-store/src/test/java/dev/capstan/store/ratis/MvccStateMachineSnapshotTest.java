package dev.capstan.store.ratis;

import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.store.mvcc.MvccStore;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the state machine writes a snapshot, asked as Ratis asks it (takeSnapshot after applies),
 * fed log entries directly: a snapshot waits until the commands applied since the last one add up
 * to that snapshot's size.
 */
class MvccStateMachineSnapshotTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  /** The state machine asks its server only for its id (to name itself in logs). */
  private static final RaftServer SERVER = (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(),
      new Class<?>[] {RaftServer.class}, (proxy, method, args) -> switch (method.getName()) {
        case "getId" -> RaftPeerId.valueOf("s1");
        case "toString" -> "s1";
        default -> throw new UnsupportedOperationException(method.getName());
      });

  @TempDir
  Path dir;
  private final MvccStateMachine stateMachine = new MvccStateMachine(new MvccStore(Runnable::run), Runnable::run);
  private RaftStorage raftStorage;
  private long index;

  @BeforeEach
  void initialize() throws IOException {
    raftStorage = FormattedRaftStorage.in(dir);
    stateMachine.initialize(SERVER, RaftGroupId.randomId(), raftStorage);
  }

  @AfterEach
  void close() throws IOException {
    stateMachine.close();
    raftStorage.close();
  }

  @Test
  void aSnapshotWaitsUntilTheLogSinceTheLastOneIsAsLargeAsIt() throws IOException {
    String large = "x".repeat(64 * 1024);
    for (int i = 0; i < 10; i++) {
      applyPut("/big/" + i, large);
    }
    assertThat(stateMachine.takeSnapshot()).as("copied, written in the background").isEqualTo(RaftLog.INVALID_LOG_INDEX);
    long first = awaitFinishedSnapshot();
    assertThat(first).isEqualTo(10);
    long firstSize = Files.size(snapshotFile(first));
    assertThat(firstSize).isGreaterThan(10L * large.length());

    // Many entries, few bytes: a snapshot now would rewrite 640 KiB for 30 small puts.
    for (int i = 0; i < 30; i++) {
      applyPut("/small/" + i, "v");
      assertThat(stateMachine.takeSnapshot()).isEqualTo(RaftLog.INVALID_LOG_INDEX);
    }
    // Once the log since the first snapshot is as large as it, the next one is taken, of the state
    // then: had a small put started one, that one would be reported first.
    long bytesSince = 0;
    while (bytesSince < firstSize) {
      bytesSince += applyPut("/more/" + index, large);
    }
    long last = index;
    assertThat(stateMachine.takeSnapshot()).isEqualTo(RaftLog.INVALID_LOG_INDEX);
    assertThat(awaitFinishedSnapshot()).isEqualTo(last);
    assertThat(snapshotFile(last)).exists();
  }

  @Test
  void aSnapshotIsWrittenOnlyAfterThisPeersStaggerDelay() {
    Duration delay = Duration.ofMillis(700);
    stateMachine.staggerSnapshots(() -> delay);
    applyPut("/k", "v");
    long copied = System.nanoTime();
    assertThat(stateMachine.takeSnapshot()).isEqualTo(RaftLog.INVALID_LOG_INDEX);
    assertThat(awaitFinishedSnapshot()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - copied)).isGreaterThanOrEqualTo(delay);
  }

  @Test
  void theSizeOfALoadedSnapshotCountsAfterARestart() throws IOException {
    String large = "x".repeat(64 * 1024);
    for (int i = 0; i < 10; i++) {
      applyPut("/big/" + i, large);
    }
    stateMachine.takeSnapshot();
    long first = awaitFinishedSnapshot();
    stateMachine.close();

    MvccStateMachine restarted = new MvccStateMachine(new MvccStore(Runnable::run), Runnable::run);
    try {
      restarted.initialize(SERVER, RaftGroupId.randomId(), raftStorage);
      assertThat(restarted.getLastAppliedTermIndex().getIndex()).isEqualTo(first);
      for (int i = 0; i < 30; i++) {
        apply(restarted, "/small/" + i, "v");
        assertThat(restarted.takeSnapshot()).isEqualTo(RaftLog.INVALID_LOG_INDEX);
      }
      try (Stream<Path> files = Files.list(snapshotFile(first).getParent())) {
        assertThat(files.filter(f -> f.getFileName().toString().startsWith("snapshot.")
            && !f.getFileName().toString().endsWith(".md5"))).containsExactly(snapshotFile(first));
      }
    } finally {
      restarted.close();
    }
  }

  /** Applies a put as the next log entry; returns the size of its command. */
  private long applyPut(String key, String value) {
    return apply(stateMachine, key, value);
  }

  private long apply(MvccStateMachine target, String key, String value) {
    Message command = StoreEnvelope.command(RequestOp.newBuilder().setRequestPut(put(key, value)).build());
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(++index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(command.getContent()))
        .build();
    target.applyTransaction(TransactionContext.newBuilder().setStateMachine(target)
        .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build()).join();
    return command.getContent().size();
  }

  /** Asks as Ratis does until the snapshot being written is finished; returns its index. */
  private long awaitFinishedSnapshot() {
    long[] reported = {RaftLog.INVALID_LOG_INDEX};
    await().atMost(WAIT).until(() -> (reported[0] = stateMachine.takeSnapshot()) != RaftLog.INVALID_LOG_INDEX);
    return reported[0];
  }

  private Path snapshotFile(long snapshotIndex) {
    return stateMachine.getStateMachineStorage().getSnapshotFile(1, snapshotIndex).toPath();
  }
}

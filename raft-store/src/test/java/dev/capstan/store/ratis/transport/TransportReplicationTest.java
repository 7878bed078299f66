package dev.capstan.store.ratis.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.store.ratis.TestCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication over the Capstan transport between real Ratis servers with a state machine that
 * records what it applies: what the leader's log appender makes of followers' replies.
 */
class TransportReplicationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final RaftGroupId groupId = RaftGroupId.randomId();
  private final Map<String, RaftPeer> peers = new LinkedHashMap<>();
  private final Map<String, RaftServer> running = new LinkedHashMap<>();
  private final Map<String, Recorder> recorders = new LinkedHashMap<>();
  private final List<RaftClient> clients = new ArrayList<>();
  private Duration electionMin;
  private boolean leaderLease;

  @AfterEach
  void closeAll() throws IOException {
    for (RaftClient client : clients) {
      client.close();
    }
    for (RaftServer server : running.values()) {
      server.close();
    }
  }

  @Test
  void aFormerLeaderWithEntriesNoOtherPeerHasTakesTheNewLeadersEntriesInTheirPlace() throws Exception {
    // Long election timeouts: the lone leader below must not step down before it has appended.
    startGroup(Duration.ofSeconds(1), true);
    String oldLeader = awaitLeader(List.of("a", "b", "c"));
    send(null, "committed");
    List<String> followers = peers.keySet().stream().filter(id -> !id.equals(oldLeader)).toList();
    followers.forEach(this::stop);

    // Three writes the old leader appends to its own log alone (one client each, so none waits
    // for another): none can commit, and they will not survive.
    long before = flushIndex(oldLeader);
    List<RaftClient> lonely = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      // No retries, and closed before the others come back: a retry would commit it after all.
      RaftClient client = client(oldLeader, RetryPolicies.noRetry());
      lonely.add(client);
      CompletableFuture<RaftClientReply> ignored = client.async().send(Message.valueOf("lost" + i));
    }
    await().atMost(WAIT).until(() -> flushIndex(oldLeader) >= before + 3);
    for (RaftClient client : lonely) {
      client.close();
    }
    stop(oldLeader);

    // The others elect a leader of the next term, whose own entries take those three indexes.
    followers.forEach(this::start);
    String newLeader = awaitLeader(followers);
    for (int i = 0; i < 5; i++) {
      send(null, "new" + i);
    }

    // Back, the former leader must drop its three entries for the new leader's and apply those.
    start(oldLeader);
    await().atMost(WAIT).until(() -> recorders.get(oldLeader).applied().equals(recorders.get(newLeader).applied()));
    assertThat(recorders.get(oldLeader).applied())
        .containsExactly("committed", "new0", "new1", "new2", "new3", "new4");
  }

  @Test
  void aLinearizableReadWithoutALeaderLeaseIsAnsweredOnceAMajorityAnswersAHeartbeat() throws Exception {
    startGroup(Duration.ofMillis(300), false);
    awaitLeader(List.of("a", "b", "c"));
    send(null, "one");
    send(null, "two");
    // Ratis answers a read index without a lease only when a majority has answered a heartbeat
    // sent after the read came in; the appender must report those answers to the leader.
    RaftClientReply read = client(null).async().sendReadOnly(Message.valueOf("count")).get(20, TimeUnit.SECONDS);
    assertThat(read.isSuccess()).as(String.valueOf(read)).isTrue();
    assertThat(read.getMessage().getContent().toStringUtf8()).isEqualTo("2");
  }

  // ---- the group ----

  private void startGroup(Duration electionMin, boolean leaderLease) {
    this.electionMin = electionMin;
    this.leaderLease = leaderLease;
    for (String id : List.of("a", "b", "c")) {
      peers.put(id, RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + TestCluster.freePort()).build());
    }
    peers.keySet().forEach(this::start);
  }

  private void start(String id) {
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir.resolve(id).toFile()));
    String address = peers.get(id).getAddress();
    CapstanTransport.listenOn(properties, "127.0.0.1", Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, millis(electionMin));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, millis(electionMin.multipliedBy(2)));
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(properties, leaderLease);
    RaftServerConfigKeys.Read.setTimeout(properties, millis(Duration.ofSeconds(60)));
    Recorder recorder = new Recorder();
    try {
      RaftServer server = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(id))
          .setGroup(group())
          .setStateMachine(recorder)
          .setProperties(properties)
          .setOption(RaftStorage.StartupOption.RECOVER)
          .build();
      server.start();
      running.put(id, server);
      recorders.put(id, recorder);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void stop(String id) {
    try {
      running.remove(id).close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private RaftGroup group() {
    return RaftGroup.valueOf(groupId, peers.values());
  }

  private String awaitLeader(List<String> among) {
    return await().atMost(WAIT).until(() -> among.stream().filter(id -> {
      try {
        return running.containsKey(id) && running.get(id).getDivision(groupId).getInfo().isLeader();
      } catch (IOException e) {
        return false;
      }
    }).findFirst().orElse(null), leader -> leader != null);
  }

  private long flushIndex(String id) throws IOException {
    return running.get(id).getDivision(groupId).getRaftLog().getFlushIndex();
  }

  /** A client of the group that tries {@code leader} first (any peer if null), retrying for 30 s. */
  private RaftClient client(String leader) {
    return client(leader, RetryPolicies.retryUpToMaximumCountWithFixedSleep(300, millis(Duration.ofMillis(100))));
  }

  private RaftClient client(String leader, RetryPolicy retries) {
    RaftProperties properties = new RaftProperties();
    CapstanTransport.use(properties);
    RaftClient.Builder builder = RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group())
        .setRetryPolicy(retries);
    if (leader != null) {
      builder.setLeaderId(RaftPeerId.valueOf(leader));
    }
    RaftClient client = builder.build();
    clients.add(client);
    return client;
  }

  private void send(String leader, String message) throws IOException {
    RaftClientReply reply = client(leader).io().send(Message.valueOf(message));
    assertThat(reply.isSuccess()).as(String.valueOf(reply)).isTrue();
  }

  private static TimeDuration millis(Duration duration) {
    return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Records each applied entry's text; a query answers how many it has applied. */
  private static final class Recorder extends BaseStateMachine {
    private final List<String> applied = Collections.synchronizedList(new ArrayList<>());

    List<String> applied() {
      synchronized (applied) {
        return List.copyOf(applied);
      }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
      LogEntryProto entry = transaction.getLogEntry();
      applied.add(entry.getStateMachineLogEntry().getLogData().toStringUtf8());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
      return CompletableFuture.completedFuture(Message.valueOf(Integer.toString(applied.size())));
    }
  }
}

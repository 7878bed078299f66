package dev.capstan.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import dev.capstan.agent.testing.MutableClock;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.store.ForwardingKeyValueStore;
import dev.capstan.store.local.LocalKeyValueStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's status posts against a real apiserver and store: from the cached Node, from the store after a conflict. */
class NodeStatusReporterTest {
  private static final String NODE_KEY = "/registry/nodes/n1";

  /** The real store, counting the reads of the Node's own key (a Get from the store). */
  private static final class CountingStore extends ForwardingKeyValueStore {
    final AtomicInteger nodeReads = new AtomicInteger();

    CountingStore() {
      super(new LocalKeyValueStore());
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
      if (request.getKey().toString(StandardCharsets.UTF_8).equals(NODE_KEY) && request.getRangeEnd().isEmpty()) {
        nodeReads.incrementAndGet();
      }
      return super.range(request);
    }
  }

  private CountingStore store;
  private ApiServer apiServer;
  private CapstanClient client;
  private final NodeStatusGenerator generator = new NodeStatusGenerator("n1",
      new HostInfo(2, 1024, "m", "k", "os", "linux", "amd64"), "127.0.0.1", 10250, ProcessRuntime.VERSION);

  @BeforeEach
  void setUp() {
    store = new CountingStore();
    apiServer = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
  }

  @AfterEach
  void tearDown() {
    client.close();
    apiServer.close();
    store.close();
  }

  private Node createNode() {
    Node node = client.nodes().create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("n1")).build());
    // Once the server's cache has the Node (a Get at its resourceVersion waits for that).
    client.nodes().get("", "n1", node.getMetadata().getResourceVersion());
    return node;
  }

  @Test
  void aPeriodicPostStartsFromTheServersCachedNodeWithoutAStoreRead() {
    createNode();
    store.nodeReads.set(0);
    Instant now = Instant.parse("2026-12-05T12:00:00Z");
    Node posted = new NodeStatusReporter(client.nodes(), "n1", generator, Clock.fixed(now, ZoneOffset.UTC),
        Duration.ofSeconds(10)).report();
    assertThat(posted.getStatus().getConditionsList()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getLastHeartbeatTime()).isEqualTo(ProtoTimestamps.of(now));
    });
    assertThat(store.nodeReads.get()).isZero();
  }

  @Test
  void aPostThatConflictsIsMadeAgainFromTheStoresLatestNode() {
    Node created = createNode();
    store.nodeReads.set(0);
    Instant now = Instant.parse("2026-12-05T12:00:00Z");
    MutableClock clock = new MutableClock(now);
    // Between the reporter's read and its post, someone else labels the Node: the post conflicts,
    // and a second attempt reads the clock again.
    AtomicInteger secondAttempts = new AtomicInteger();
    clock.onNextRead(() -> {
      client.nodes().update(created.toBuilder()
          .setMetadata(created.getMetadata().toBuilder().putLabels("zone", "a")).build());
      clock.onNextRead(secondAttempts::incrementAndGet);
    });
    Node posted = new NodeStatusReporter(client.nodes(), "n1", generator, clock, Duration.ofSeconds(10)).report();
    assertThat(secondAttempts).hasValue(1);
    assertThat(posted.getMetadata().getLabelsMap()).containsEntry("zone", "a");
    assertThat(posted.getStatus().getConditionsList()).anySatisfy(c -> assertThat(c.getType()).isEqualTo("Ready"));
    assertThat(store.nodeReads.get()).isPositive();
  }
}

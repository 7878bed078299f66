package dev.capstan.client.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Pod POD = Pod.newBuilder()
      .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("web-1").setUid("uid-1")
          .setResourceVersion("7"))
      .build();

  private final RecordingEventSink sink = new RecordingEventSink();
  private EventRecorder recorder;

  @AfterEach
  void closeRecorder() {
    if (recorder != null) {
      recorder.close();
    }
  }

  private EventRecorder recorder(Clock clock, int capacity) {
    recorder = new EventRecorder(sink, "default-scheduler", "host-1", clock, capacity);
    return recorder;
  }

  private List<Event> storedEvents() {
    return List.copyOf(sink.stored.values());
  }

  @Test
  void createsAnEventAboutTheObjectInItsNamespace() {
    recorder(Clock.fixed(T0, ZoneOffset.UTC), 10)
        .event(POD, EventRecorder.NORMAL, "Scheduled", "Successfully assigned team/web-1 to n1");

    await().atMost(5, TimeUnit.SECONDS).until(() -> sink.stored.size() == 1);
    Event e = storedEvents().get(0);
    assertThat(e.getMetadata().getNamespace()).isEqualTo("team");
    assertThat(e.getMetadata().getName()).startsWith("web-1.").hasSizeGreaterThan("web-1.".length());
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
    assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("v1");
    assertThat(e.getInvolvedObject().getNamespace()).isEqualTo("team");
    assertThat(e.getInvolvedObject().getName()).isEqualTo("web-1");
    assertThat(e.getInvolvedObject().getUid()).isEqualTo("uid-1");
    assertThat(e.getType()).isEqualTo("Normal");
    assertThat(e.getReason()).isEqualTo("Scheduled");
    assertThat(e.getMessage()).isEqualTo("Successfully assigned team/web-1 to n1");
    assertThat(e.getCount()).isEqualTo(1);
    assertThat(e.getSource().getComponent()).isEqualTo("default-scheduler");
    assertThat(e.getSource().getHost()).isEqualTo("host-1");
    assertThat(e.getReportingComponent()).isEqualTo("default-scheduler");
    assertThat(e.getFirstTimestamp().getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(e.getLastTimestamp()).isEqualTo(e.getFirstTimestamp());
  }

  @Test
  void aggregatesRepeatsIntoOneObjectWithACount() {
    Clock clock = new Clock() {
      private Instant now = T0;

      @Override
      public synchronized Instant instant() {
        now = now.plusSeconds(1);
        return now;
      }

      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
    EventRecorder r = recorder(clock, 10);
    r.event(POD, EventRecorder.WARNING, "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.");
    r.event(POD, EventRecorder.WARNING, "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.");
    r.event(POD, EventRecorder.WARNING, "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.");

    await().atMost(5, TimeUnit.SECONDS).until(() -> sink.calls.size() == 3);
    assertThat(sink.stored).hasSize(1);
    Event e = storedEvents().get(0);
    assertThat(e.getCount()).isEqualTo(3);
    assertThat(e.getLastTimestamp().getSeconds()).isGreaterThan(e.getFirstTimestamp().getSeconds());
    assertThat(sink.calls.get(0)).startsWith("create ");
    assertThat(sink.calls.subList(1, 3)).allMatch(c -> c.startsWith("update "));
  }

  @Test
  void differentMessagesOrObjectsAreSeparateEvents() {
    EventRecorder r = recorder(Clock.fixed(T0, ZoneOffset.UTC), 10);
    Pod recreated = POD.toBuilder().setMetadata(POD.getMetadata().toBuilder().setUid("uid-2")).build();
    r.event(POD, EventRecorder.WARNING, "FailedScheduling", "a");
    r.event(POD, EventRecorder.WARNING, "FailedScheduling", "b");
    r.event(recreated, EventRecorder.WARNING, "FailedScheduling", "a");

    await().atMost(5, TimeUnit.SECONDS).until(() -> sink.stored.size() == 3);
    assertThat(storedEvents()).allMatch(e -> e.getCount() == 1);
    assertThat(storedEvents()).extracting(e -> e.getMetadata().getName()).doesNotHaveDuplicates();
  }

  @Test
  void clusterScopedObjectsGetEventsInTheDefaultNamespace() {
    Node node = Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("n1").setUid("u")).build();
    recorder(Clock.fixed(T0, ZoneOffset.UTC), 10).event(node, EventRecorder.NORMAL, "NodeReady", "ready");

    await().atMost(5, TimeUnit.SECONDS).until(() -> sink.stored.size() == 1);
    Event e = storedEvents().get(0);
    assertThat(e.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Node");
    assertThat(e.getInvolvedObject().getNamespace()).isEmpty();
  }

  @Test
  void aRepeatOfADeletedEventStartsANewObjectKeepingTheCount() {
    EventRecorder r = recorder(Clock.fixed(T0, ZoneOffset.UTC), 10);
    r.event(POD, EventRecorder.NORMAL, "Pulled", "image pulled");
    await().atMost(5, TimeUnit.SECONDS).until(() -> sink.stored.size() == 1);
    sink.stored.clear();

    r.event(POD, EventRecorder.NORMAL, "Pulled", "image pulled");

    await().atMost(5, TimeUnit.SECONDS).until(() -> sink.stored.size() == 1);
    assertThat(storedEvents().get(0).getCount()).isEqualTo(2);
  }

  @Test
  void neverBlocksTheCallerAndDropsWhenTheQueueIsFull() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    sink.blockUntil(gate);
    EventRecorder r = recorder(Clock.fixed(T0, ZoneOffset.UTC), 1);

    r.event(POD, EventRecorder.NORMAL, "R1", "taken by the writer, which then blocks");
    assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();
    r.event(POD, EventRecorder.NORMAL, "R2", "queued");
    r.event(POD, EventRecorder.NORMAL, "R3", "dropped: the queue is full");
    gate.countDown();
    r.close();

    assertThat(storedEvents()).extracting(Event::getReason).containsExactlyInAnyOrder("R1", "R2");
  }

  @Test
  void closeWritesWhatIsQueuedAndIgnoresLaterEvents() {
    EventRecorder r = recorder(Clock.fixed(T0, ZoneOffset.UTC), 100);
    for (int i = 0; i < 20; i++) {
      r.event(POD, EventRecorder.NORMAL, "Reason" + i, "m");
    }
    r.close();
    assertThat(sink.stored).hasSize(20);

    r.event(POD, EventRecorder.NORMAL, "Late", "m");
    assertThat(sink.stored).hasSize(20);
  }

  @Test
  void rejectsBadArguments() {
    EventRecorder r = recorder(Clock.fixed(T0, ZoneOffset.UTC), 10);
    assertThatThrownBy(() -> r.event(POD, "Info", "R", "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("type:");
    assertThatThrownBy(() -> r.event(POD, EventRecorder.NORMAL, "", "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("reason: required");
    assertThatThrownBy(() -> r.event(Pod.getDefaultInstance(), EventRecorder.NORMAL, "R", "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("involvedObject.metadata.name: required");
    assertThatThrownBy(() -> r.event(ObjectMeta.getDefaultInstance(), EventRecorder.NORMAL, "R", "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a resource kind");
  }
}

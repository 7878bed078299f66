package dev.capstan.scheduler;

import static dev.capstan.scheduler.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.events.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's EventRecorder against a real apiserver. */
class EventRecorderIntegrationTest {
  private final ApiServerFixture api = new ApiServerFixture();
  private final EventRecorder recorder = new EventRecorder(api.client, "test-component", "host-1", Clock.systemUTC());

  @AfterEach
  void stop() {
    recorder.close();
    api.close();
  }

  @Test
  void createsAnEventAndAggregatesARepeatIntoCountTwo() {
    Pod pod = api.client.pods().create(pod("web", "100m", "64Mi"));

    recorder.event(pod, EventRecorder.WARNING, "BackOff", "Back-off restarting failed container");
    await().atMost(Duration.ofSeconds(10)).until(() -> api.client.events().list("default").items().size() == 1);
    recorder.event(pod, EventRecorder.WARNING, "BackOff", "Back-off restarting failed container");

    await().atMost(Duration.ofSeconds(10)).until(() -> api.client.events().list("default").items(),
        events -> events.size() == 1 && events.get(0).getCount() == 2);
    Event event = api.client.events().list("default").items().get(0);
    assertThat(event.getMetadata().getName()).startsWith("web.");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("Pod");
    assertThat(event.getInvolvedObject().getUid()).isEqualTo(pod.getMetadata().getUid());
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getSource().getComponent()).isEqualTo("test-component");
    assertThat(event.getSource().getHost()).isEqualTo("host-1");
    List<Event> all = api.client.events().list("").items();
    assertThat(all).hasSize(1);
  }
}

package dev.capstan.agent.runtime.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CriEventRelisterTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private final AtomicReference<List<CriEventRelister.Observed>> listed = new AtomicReference<>(List.of());
  // A period far longer than the test: relist() is driven by hand.
  private final CriEventRelister relister = new CriEventRelister(listed::get, Clock.fixed(NOW, ZoneOffset.UTC),
      Duration.ofHours(1));
  // The scheduled first relist runs on another thread; whichever relist sees a change reports it.
  private final List<ContainerEvent> events = Collections.synchronizedList(new ArrayList<>());

  @Test
  void turnsStateChangesBetweenListsIntoEvents() throws Exception {
    listed.set(List.of(observed("old", ContainerState.RUNNING)));
    try (AutoCloseable sub = relister.subscribe(events::add)) {
      relister.relist(); // baseline (the scheduled first run may have taken it already)
      events.clear();

      listed.set(List.of(observed("old", ContainerState.EXITED), observed("new", ContainerState.RUNNING)));
      relister.relist();
      assertThat(events).extracting(e -> e.containerId() + ":" + e.type())
          .containsExactlyInAnyOrder("old:STOPPED", "new:CREATED", "new:STARTED");
      assertThat(events).allMatch(e -> e.at().equals(NOW) && e.labels().equals(Map.of("pod", "p1")));

      events.clear();
      relister.relist();
      assertThat(events).as("no change, no event").isEmpty();

      listed.set(List.of(observed("new", ContainerState.RUNNING)));
      relister.relist();
      assertThat(events).extracting(e -> e.containerId() + ":" + e.type()).containsExactly("old:DELETED");
    } finally {
      relister.close();
    }
  }

  @Test
  void aFailedListIsSkipped() {
    CriEventRelister failing = new CriEventRelister(() -> {
      throw new IllegalStateException("runtime restarting");
    }, Clock.systemUTC(), Duration.ofHours(1));
    failing.relist();
    failing.close();
  }

  private static CriEventRelister.Observed observed(String id, ContainerState state) {
    return new CriEventRelister.Observed(id, "sb1", state, Map.of("pod", "p1"));
  }
}

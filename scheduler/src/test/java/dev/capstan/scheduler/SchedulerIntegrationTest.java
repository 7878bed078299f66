package dev.capstan.scheduler;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static dev.capstan.scheduler.TestObjects.readyNode;
import static dev.capstan.scheduler.TestObjects.withLabels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.client.metrics.MetricSamples;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchedulerIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private ApiServerFixture api;
  private Scheduler scheduler;
  private final PrometheusRegistry registry = new PrometheusRegistry();

  @BeforeEach
  void startApiServer() {
    api = new ApiServerFixture();
  }

  @AfterEach
  void stopAll() {
    if (scheduler != null) {
      scheduler.close();
    }
    api.close();
  }

  private void startScheduler() {
    scheduler = new Scheduler(api.client, Clock.systemUTC(), new SchedulerMetrics(registry));
    scheduler.start();
  }

  /** Creates the node, then writes its status (as an agent would). */
  private void createNode(Node node) {
    Node created = api.client.nodes().create(node.toBuilder().clearStatus().build());
    api.client.nodes().updateStatus(created.toBuilder().setStatus(node.getStatus()).build());
  }

  private Pod fetch(String name) {
    return api.client.pods().get("default", name);
  }

  private String nodeOf(String name) {
    return fetch(name).getSpec().getNodeName();
  }

  private static Optional<PodCondition> scheduledCondition(Pod pod) {
    return pod.getStatus().getConditionsList().stream().filter(c -> c.getType().equals("PodScheduled")).findFirst();
  }

  private double attempts(String result) {
    return metric("scheduler_schedule_attempts_total", "result", result);
  }

  private double metric(String name, String... labels) {
    return MetricSamples.scrape(registry).value(name, labels).orElse(0);
  }

  @Test
  void bindsAPodToTheOnlyReadyNodeAndRecordsAnEvent() {
    Node notReady = readyNode("n0", "8", "16Gi");
    notReady = notReady.toBuilder().setStatus(notReady.getStatus().toBuilder()
        .setConditions(0, NodeCondition.newBuilder().setType("Ready").setStatus("False"))).build();
    createNode(notReady);
    createNode(readyNode("n1", "2", "4Gi"));
    startScheduler();

    api.client.pods().create(pod("web", "100m", "64Mi"));

    await().atMost(WAIT).until(() -> nodeOf("web"), n -> n.equals("n1"));
    assertThat(scheduledCondition(fetch("web"))).get().extracting(PodCondition::getStatus).isEqualTo("True");
    await().atMost(WAIT).until(() -> api.client.events().list("default").items(),
        events -> events.stream().anyMatch(e -> e.getReason().equals("Scheduled")
            && e.getMessage().equals("Successfully assigned default/web to n1")
            && e.getInvolvedObject().getName().equals("web")
            && e.getSource().getComponent().equals("default-scheduler")));
  }

  @Test
  void picksTheLessAllocatedOfTwoNodes() {
    createNode(readyNode("a", "4", "8Gi"));
    createNode(readyNode("b", "4", "8Gi"));
    api.client.pods().create(boundTo(pod("busy", "3", "4Gi"), "a"));
    startScheduler();

    api.client.pods().create(pod("web", "500m", "512Mi"));

    await().atMost(WAIT).until(() -> nodeOf("web"), n -> n.equals("b"));
  }

  @Test
  void respectsTheNodeSelector() {
    createNode(readyNode("a-big", "16", "64Gi"));
    createNode(withLabels(readyNode("b-small", "2", "4Gi"), Map.of("disk", "ssd")));
    startScheduler();
    Pod wantsSsd = pod("db", "100m", "64Mi");
    wantsSsd = wantsSsd.toBuilder().setSpec(wantsSsd.getSpec().toBuilder().putNodeSelector("disk", "ssd")).build();

    api.client.pods().create(wantsSsd);

    await().atMost(WAIT).until(() -> nodeOf("db"), n -> n.equals("b-small"));
  }

  @Test
  void leavesATooBigPodPendingThenBindsItWhenABigNodeArrives() {
    createNode(readyNode("small", "1", "2Gi"));
    startScheduler();

    api.client.pods().create(pod("huge", "8", "1Gi"));

    await().atMost(WAIT).until(() -> scheduledCondition(fetch("huge")), c -> c.isPresent()
        && c.get().getStatus().equals("False") && c.get().getReason().equals("Unschedulable"));
    assertThat(scheduledCondition(fetch("huge")).orElseThrow().getMessage())
        .isEqualTo("0/1 nodes are available: 1 Insufficient cpu.");
    assertThat(nodeOf("huge")).isEmpty();
    await().atMost(WAIT).until(() -> api.client.events().list("default").items(),
        events -> events.stream().anyMatch(e -> e.getReason().equals("FailedScheduling")
            && e.getType().equals("Warning")
            && e.getMessage().equals("0/1 nodes are available: 1 Insufficient cpu.")));

    assertThat(attempts("unschedulable")).isPositive();
    assertThat(metric("capstan_scheduler_unschedulable_pods")).isEqualTo(1);
    // Between its retries the pod waits in one of the queues (not while an attempt holds it).
    await().atMost(WAIT).until(() -> metric("scheduler_pending_pods", "queue", "active")
        + metric("scheduler_pending_pods", "queue", "backoff") == 1);

    createNode(readyNode("big", "16", "32Gi"));

    await().atMost(WAIT).until(() -> nodeOf("huge"), n -> n.equals("big"));
    assertThat(scheduledCondition(fetch("huge")).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(attempts("scheduled")).isEqualTo(1);
    assertThat(MetricSamples.scrape(registry).count("scheduler_scheduling_attempt_duration_seconds", "result",
        "scheduled")).isEqualTo(1);
    assertThat(metric("capstan_scheduler_unschedulable_pods")).isZero();
  }

  @Test
  void spreadsABurstOfThreePodsTwoAndOneOverTwoEqualNodes() {
    createNode(readyNode("a", "4", "8Gi"));
    createNode(readyNode("b", "4", "8Gi"));
    for (String name : List.of("p1", "p2", "p3")) {
      api.client.pods().create(pod(name, "1", "1Gi"));
    }

    // All three are queued at once when the scheduler starts; only the assume step keeps later
    // cycles from seeing two empty nodes while the first binds are still on their way.
    startScheduler();

    await().atMost(WAIT).until(() -> List.of(nodeOf("p1"), nodeOf("p2"), nodeOf("p3")),
        nodes -> nodes.stream().noneMatch(String::isEmpty));
    Map<String, Long> perNode = List.of(nodeOf("p1"), nodeOf("p2"), nodeOf("p3")).stream()
        .collect(Collectors.groupingBy(n -> n, Collectors.counting()));
    assertThat(perNode).isEqualTo(Map.of("a", 2L, "b", 1L));
  }

  @Test
  void ignoresPodsForOtherSchedulers() {
    createNode(readyNode("a", "4", "8Gi"));
    startScheduler();
    Pod other = pod("other", "100m", "64Mi");
    other = other.toBuilder().setSpec(other.getSpec().toBuilder().setSchedulerName("my-scheduler")).build();
    api.client.pods().create(other);
    api.client.pods().create(pod("mine", "100m", "64Mi"));

    // Events are written in order per pod; once "mine" is bound, "other" had its chance too.
    await().atMost(WAIT).until(() -> nodeOf("mine"), n -> n.equals("a"));
    assertThat(nodeOf("other")).isEmpty();
    List<Event> events = api.client.events().list("default").items();
    assertThat(events).noneMatch(e -> e.getInvolvedObject().getName().equals("other"));
  }
}

package dev.capstan.controllers;

import dev.capstan.controllers.framework.ControllerMetrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobSpec;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.batch.v1.JobTemplateSpec;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.controllers.cronjob.CronJobController;
import dev.capstan.controllers.framework.MutableClock;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import dev.capstan.controllers.job.JobConditions;
import dev.capstan.store.local.LocalKeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CronJob controller against a real apiserver on an in-memory store, with the whole controller
 * manager on a clock that stands still until the test moves it: a scheduled minute is reached by
 * advancing the clock, not by waiting for it. The Job controller runs the created Jobs; a fake kubelet runs their pods.
 */
class CronJobIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String NS = "cron";

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;
  private MutableClock clock;
  private ControllerManager manager;
  private FakeKubelet kubelet;

  @BeforeEach
  void startCluster() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
    // Frozen between the test's jumps: the controllers' retries run on real time regardless.
    clock = new MutableClock(Instant.now());
    manager = new ControllerManager(client, clock, ControllerMetrics.unserved());
    manager.start();
    kubelet = new FakeKubelet(client, Clock.systemUTC());
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(NS)).build());
  }

  @AfterEach
  void stopCluster() {
    kubelet.close();
    manager.close();
    client.close();
    server.close();
    store.close();
  }

  @Test
  void createsItsJobAtTheScheduledMinuteAndForbidsASecondWhileItRuns() {
    CronJob cronJob = client.cronJobs().create(CronJob.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("tick").setNamespace(NS))
        .setSpec(CronJobSpec.newBuilder().setSchedule("* * * * *").setConcurrencyPolicy("Forbid")
            .setJobTemplate(JobTemplateSpec.newBuilder().setSpec(JobSpec.newBuilder()
                .setTemplate(PodTemplateSpec.newBuilder().setSpec(PodSpec.newBuilder().setRestartPolicy("Never")
                    .addContainers(Container.newBuilder().setName("main").setImage("busybox")))))))
        .build());
    Instant created = ProtoTime.toInstant(cronJob.getMetadata().getCreationTimestamp());
    Instant first = created.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    assertThat(jobs()).isEmpty();

    // The scheduled minute comes: its Job, named by the minute, owned by the CronJob.
    clock.advance(Duration.between(clock.instant(), first));
    String firstName = "tick-" + first.getEpochSecond() / 60;
    await().atMost(TIMEOUT).until(() -> jobs().size() == 1 && activeNames().equals(List.of(firstName)));
    Job firstJob = client.jobs().get(NS, firstName);
    assertThat(OwnerReferences.isControlledBy(firstJob.getMetadata(), cronJob.getMetadata())).isTrue();
    assertThat(firstJob.getMetadata().getAnnotationsMap())
        .containsEntry(CronJobController.SCHEDULED_TIMESTAMP, first.toString());
    assertThat(client.cronJobs().get(NS, "tick").getStatus().getLastScheduleTime())
        .isEqualTo(ProtoTime.toTimestamp(first));
    await().atMost(TIMEOUT).until(() -> podsOf(firstName).stream().anyMatch(PodState::isReady));

    // The next minute: Forbid keeps a second Job from starting while the first runs.
    clock.advance(Duration.ofMinutes(1));
    await().atMost(TIMEOUT).until(() -> events().stream().anyMatch(e -> e.getReason().equals("JobAlreadyActive")));
    assertThat(jobs()).extracting(j -> j.getMetadata().getName()).containsExactly(firstName);

    // Once it has finished, the missed minute runs.
    Pod pod = podsOf(firstName).get(0);
    kubelet.finish(NS, pod.getMetadata().getName(), PodState.SUCCEEDED);
    Instant second = first.plus(Duration.ofMinutes(1));
    String secondName = "tick-" + second.getEpochSecond() / 60;
    await().atMost(TIMEOUT).until(() -> activeNames().equals(List.of(secondName)));
    assertThat(JobConditions.isComplete(client.jobs().get(NS, firstName))).isTrue();
    CronJob now = client.cronJobs().get(NS, "tick");
    assertThat(now.getStatus().getLastScheduleTime()).isEqualTo(ProtoTime.toTimestamp(second));
    assertThat(now.getStatus().hasLastSuccessfulTime()).isTrue();
    assertThat(jobs()).hasSize(2);
  }

  private List<Job> jobs() {
    return client.jobs().list(NS).items();
  }

  private List<String> activeNames() {
    return client.cronJobs().get(NS, "tick").getStatus().getActiveList().stream().map(ObjectReference::getName)
        .toList();
  }

  private List<Pod> podsOf(String jobName) {
    return client.pods().list(NS).items().stream()
        .filter(p -> p.getMetadata().getLabelsMap().getOrDefault("job-name", "").equals(jobName)).toList();
  }

  private List<Event> events() {
    return client.events().list(NS).items();
  }
}

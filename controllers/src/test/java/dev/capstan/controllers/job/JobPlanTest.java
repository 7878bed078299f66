package dev.capstan.controllers.job;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static dev.capstan.controllers.TestObjects.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.batch.v1.JobStatus;
import dev.capstan.api.core.v1.ContainerState;
import dev.capstan.api.core.v1.ContainerStateTerminated;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.controllers.TestObjects;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class JobPlanTest {
  private static Job job(UnaryOperator<JobSpec.Builder> spec) {
    JobSpec.Builder b = JobSpec.newBuilder().setCompletions(3).setParallelism(2).setBackoffLimit(2)
        .setTemplate(TestObjects.template("batch", "busybox").toBuilder()
            .setSpec(TestObjects.template("batch", "busybox").getSpec().toBuilder().setRestartPolicy("Never")));
    return Job.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("j").setNamespace("default").setUid("uid-j"))
        .setSpec(spec.apply(b)).build();
  }

  private static Job started(Job job, Instant at) {
    return job.toBuilder().setStatus(JobStatus.newBuilder().setStartTime(ProtoTime.toTimestamp(at))).build();
  }

  private static Pod withPhase(String name, String phase, Instant finished) {
    Pod p = pod(name, T0);
    var status = p.getStatus().toBuilder().setPhase(phase);
    if (finished != null) {
      status.addContainerStatuses(ContainerStatus.newBuilder().setName("main").setState(ContainerState.newBuilder()
          .setTerminated(ContainerStateTerminated.newBuilder().setFinishedAt(ProtoTime.toTimestamp(finished)))));
    }
    return p.toBuilder().setStatus(status).build();
  }

  private static List<Pod> pods(int running, int succeeded, int failed, Instant finished) {
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < running; i++) {
      pods.add(running(pod("r" + i, T0)));
    }
    for (int i = 0; i < succeeded; i++) {
      pods.add(withPhase("s" + i, "Succeeded", finished));
    }
    for (int i = 0; i < failed; i++) {
      pods.add(withPhase("f" + i, "Failed", finished));
    }
    return pods;
  }

  @Test
  void aNewJobStartsAndRunsParallelismPods() {
    JobPlan plan = JobPlan.of(job(s -> s), List.of(), T0);
    assertThat(plan.podsToCreate()).isEqualTo(2);
    assertThat(plan.status().getStartTime()).isEqualTo(ProtoTime.toTimestamp(T0));
    assertThat(plan.status().getConditionsList()).isEmpty();
  }

  @Test
  void neverRunsMorePodsThanCompletionsStillNeed() {
    JobPlan plan = JobPlan.of(started(job(s -> s), T0), pods(1, 2, 0, T0), T0.plusSeconds(5));
    assertThat(plan.podsToCreate()).isZero();
    assertThat(plan.status().getActive()).isEqualTo(1);
    assertThat(plan.status().getSucceeded()).isEqualTo(2);

    JobPlan surplus = JobPlan.of(started(job(s -> s), T0), pods(2, 2, 0, T0), T0.plusSeconds(5));
    assertThat(surplus.podsToDelete()).hasSize(1);
  }

  @Test
  void completesAtCompletions() {
    Instant now = T0.plusSeconds(30);
    JobPlan plan = JobPlan.of(started(job(s -> s), T0), pods(0, 3, 1, T0), now);
    assertThat(plan.status().getSucceeded()).isEqualTo(3);
    assertThat(plan.status().getCompletionTime()).isEqualTo(ProtoTime.toTimestamp(now));
    assertThat(JobConditions.finished(plan.status())).hasValueSatisfying(c -> {
      assertThat(c.getType()).isEqualTo("Complete");
      assertThat(c.getReason()).isEqualTo("CompletionsReached");
    });
    assertThat(plan.podsToCreate()).isZero();
  }

  @Test
  void aWorkQueueCompletesWhenAPodSucceededAndNoneIsLeft() {
    Job queue = started(job(s -> s.clearCompletions().setParallelism(3)), T0);
    JobPlan draining = JobPlan.of(queue, pods(2, 1, 0, T0), T0.plusSeconds(1));
    assertThat(draining.podsToCreate()).isZero();
    assertThat(draining.podsToDelete()).isEmpty();
    assertThat(JobConditions.finished(draining.status())).isEmpty();
    assertThat(JobConditions.finished(JobPlan.of(queue, pods(0, 3, 0, T0), T0.plusSeconds(2)).status()))
        .hasValueSatisfying(c -> assertThat(c.getType()).isEqualTo("Complete"));
  }

  @Test
  void failedPodsBeyondTheBackoffLimitFailTheJobAndItsActivePodsGo() {
    Job j = started(job(s -> s), T0);
    assertThat(JobConditions.finished(JobPlan.of(j, pods(1, 0, 2, T0), T0.plusSeconds(60)).status())).isEmpty();

    JobPlan plan = JobPlan.of(j, pods(1, 0, 3, T0), T0.plusSeconds(60));
    assertThat(JobConditions.finished(plan.status())).hasValueSatisfying(c -> {
      assertThat(c.getType()).isEqualTo("Failed");
      assertThat(c.getReason()).isEqualTo("BackoffLimitExceeded");
    });
    assertThat(plan.podsToDelete()).extracting(p -> p.getMetadata().getName()).containsExactly("r0");
    assertThat(plan.status().getActive()).isZero();
    assertThat(plan.status().getFailed()).isEqualTo(4);
  }

  @Test
  void withRestartPolicyOnFailureContainerRestartsCountTowardsTheLimit() {
    Job j = started(job(s -> {
      s.getTemplateBuilder().getSpecBuilder().setRestartPolicy("OnFailure");
      return s;
    }), T0);
    Pod restarting = running(pod("r0", T0)).toBuilder().setStatus(running(pod("r0", T0)).getStatus().toBuilder()
        .addContainerStatuses(ContainerStatus.newBuilder().setName("main").setRestartCount(2))).build();
    assertThat(JobConditions.finished(JobPlan.of(j, List.of(restarting), T0.plusSeconds(9)).status()))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("BackoffLimitExceeded"));
  }

  @Test
  void afterFailuresItWaitsAnExponentialBackoffBeforeCreatingAgain() {
    Job j = started(job(s -> s.setBackoffLimit(6)), T0);
    Instant failedAt = T0.plusSeconds(100);
    // One failure: 10 s.
    JobPlan waiting = JobPlan.of(j, pods(0, 0, 1, failedAt), failedAt.plusSeconds(4));
    assertThat(waiting.podsToCreate()).isZero();
    assertThat(waiting.recheckAfter()).contains(Duration.ofSeconds(6));
    assertThat(JobPlan.of(j, pods(0, 0, 1, failedAt), failedAt.plusSeconds(10)).podsToCreate()).isEqualTo(2);
    // Three failures: 40 s.
    assertThat(JobPlan.of(j, pods(0, 0, 3, failedAt), failedAt.plusSeconds(39)).podsToCreate()).isZero();
    assertThat(JobPlan.of(j, pods(0, 0, 3, failedAt), failedAt.plusSeconds(40)).podsToCreate()).isEqualTo(2);
    assertThat(JobPlan.backoff(20, JobPlan.DEFAULT_BACKOFF_BASE, JobPlan.DEFAULT_BACKOFF_MAX))
        .isEqualTo(Duration.ofMinutes(6));
  }

  @Test
  void theActiveDeadlineFailsTheJobAndIsWaitedFor() {
    Job j = started(job(s -> s.setActiveDeadlineSeconds(60)), T0);
    JobPlan before = JobPlan.of(j, pods(2, 0, 0, T0), T0.plusSeconds(45));
    assertThat(before.recheckAfter()).contains(Duration.ofSeconds(15));
    assertThat(JobConditions.finished(before.status())).isEmpty();

    JobPlan after = JobPlan.of(j, pods(2, 0, 0, T0), T0.plusSeconds(60));
    assertThat(JobConditions.finished(after.status())).hasValueSatisfying(c -> {
      assertThat(c.getType()).isEqualTo("Failed");
      assertThat(c.getReason()).isEqualTo("DeadlineExceeded");
    });
    assertThat(after.podsToDelete()).hasSize(2);
  }

  @Test
  void aFinishedJobStaysFinishedAndGoesAfterItsTimeToLive() {
    Job j = started(job(s -> s.setTtlSecondsAfterFinished(100)), T0);
    Instant doneAt = T0.plusSeconds(10);
    JobStatus done = JobPlan.of(j, pods(0, 3, 0, T0), doneAt).status();
    Job finished = j.toBuilder().setStatus(done).build();

    JobPlan later = JobPlan.of(finished, pods(0, 1, 0, T0), doneAt.plusSeconds(40));
    assertThat(later.status()).isEqualTo(done);
    assertThat(later.deleteJob()).isFalse();
    assertThat(later.recheckAfter()).contains(Duration.ofSeconds(60));
    assertThat(JobPlan.of(finished, List.of(), doneAt.plusSeconds(100)).deleteJob()).isTrue();
  }
}

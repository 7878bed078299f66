package dev.capstan.controllers.cronjob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobSpec;
import dev.capstan.api.batch.v1.CronJobStatus;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobCondition;
import dev.capstan.api.batch.v1.JobStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronJobTimesTest {
  private static final Instant CREATED = Instant.parse("2026-03-04T10:00:30Z");

  private static CronJob cronJob(CronJobSpec.Builder spec, Instant lastScheduled) {
    CronJob.Builder b = CronJob.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("report").setCreationTimestamp(ProtoTime.toTimestamp(CREATED)))
        .setSpec(spec);
    if (lastScheduled != null) {
      b.setStatus(CronJobStatus.newBuilder().setLastScheduleTime(ProtoTime.toTimestamp(lastScheduled)));
    }
    return b.build();
  }

  @Test
  void nothingIsDueBeforeTheFirstScheduledTimeAfterCreation() {
    CronJob cj = cronJob(CronJobSpec.newBuilder().setSchedule("*/5 * * * *"), null);
    CronJobTimes times = CronJobTimes.of(cj.getSpec());
    assertThat(times.due(cj, Instant.parse("2026-03-04T10:04:59Z"))).isEmpty();
    assertThat(times.untilNext(Instant.parse("2026-03-04T10:04:59Z"))).contains(Duration.ofSeconds(1));
    assertThat(times.due(cj, Instant.parse("2026-03-04T10:05:00Z"))).contains(Instant.parse("2026-03-04T10:05:00Z"));
  }

  @Test
  void aTimeRunOnceIsNotDueAgainAndMissedTimesRunOnceAsTheLatest() {
    CronJob ran = cronJob(CronJobSpec.newBuilder().setSchedule("*/5 * * * *"), Instant.parse("2026-03-04T10:05:00Z"));
    CronJobTimes times = CronJobTimes.of(ran.getSpec());
    assertThat(times.due(ran, Instant.parse("2026-03-04T10:09:00Z"))).isEmpty();
    assertThat(times.due(ran, Instant.parse("2026-03-04T10:27:00Z"))).contains(Instant.parse("2026-03-04T10:25:00Z"));
  }

  @Test
  void aTimeMissedByMoreThanTheStartingDeadlineIsSkipped() {
    CronJob cj = cronJob(CronJobSpec.newBuilder().setSchedule("*/5 * * * *").setStartingDeadlineSeconds(60),
        Instant.parse("2026-03-04T10:05:00Z"));
    CronJobTimes times = CronJobTimes.of(cj.getSpec());
    assertThat(times.due(cj, Instant.parse("2026-03-04T10:10:59Z"))).contains(Instant.parse("2026-03-04T10:10:00Z"));
    assertThat(times.due(cj, Instant.parse("2026-03-04T10:11:01Z"))).isEmpty();
  }

  @Test
  void theScheduleIsReadInTheTimeZone() {
    CronJob cj = cronJob(CronJobSpec.newBuilder().setSchedule("0 12 * * *").setTimeZone("Asia/Tokyo"), null);
    CronJobTimes times = CronJobTimes.of(cj.getSpec());
    assertThat(times.due(cj, Instant.parse("2026-03-05T03:00:00Z"))).contains(Instant.parse("2026-03-05T03:00:00Z"));
  }

  @Test
  void jobNamesCountMinutesSinceTheEpoch() {
    assertThat(CronJobTimes.jobName("report", Instant.parse("2026-03-04T10:05:00Z"))).isEqualTo("report-29543645");
  }

  @Test
  void historyKeepsTheNewestFinishedJobsOfEachOutcome() {
    List<Job> jobs = List.of(job("ok-1", 1, "Complete"), job("ok-2", 2, "Complete"), job("ok-3", 3, "Complete"),
        job("bad-1", 4, "Failed"), job("bad-2", 5, "Failed"), job("running", 0, null));
    assertThat(JobHistory.toDelete(jobs, 2, 1)).extracting(j -> j.getMetadata().getName())
        .containsExactly("ok-1", "bad-1");
    assertThat(JobHistory.toDelete(jobs, 0, 0)).hasSize(5);
  }

  private static Job job(String name, int startMinute, String condition) {
    JobStatus.Builder status = JobStatus.newBuilder()
        .setStartTime(ProtoTime.toTimestamp(CREATED.plus(Duration.ofMinutes(startMinute))));
    if (condition != null) {
      status.addConditions(JobCondition.newBuilder().setType(condition).setStatus("True"));
    }
    return Job.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).setStatus(status).build();
  }
}

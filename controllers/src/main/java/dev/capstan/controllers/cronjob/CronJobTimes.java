package dev.capstan.controllers.cronjob;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobSpec;
import dev.capstan.client.cron.CronSchedule;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * When a CronJob is due, as Kubernetes' CronJob controller decides it: the most recent scheduled
 * time after the last one it ran (or after its creation), not later than now, and not earlier than
 * {@code startingDeadlineSeconds} before now when that is set (a run missed by more is skipped).
 * Its schedule is read in {@code spec.timeZone}, UTC when unset. No I/O: the clock is a parameter.
 */
public final class CronJobTimes {
  private final CronSchedule schedule;
  private final ZoneId zone;

  private CronJobTimes(CronSchedule schedule, ZoneId zone) {
    this.schedule = schedule;
    this.zone = zone;
  }

  /** @throws IllegalArgumentException for a schedule or time zone that does not parse */
  public static CronJobTimes of(CronJobSpec spec) {
    ZoneId zone = spec.hasTimeZone() ? ZoneId.of(spec.getTimeZone()) : ZoneOffset.UTC;
    return new CronJobTimes(CronSchedule.parse(spec.getSchedule()), zone);
  }

  /** The scheduled time to run now, if one is due. */
  public Optional<Instant> due(CronJob cronJob, Instant now) {
    Instant earliest = cronJob.getStatus().hasLastScheduleTime()
        ? ProtoTime.toInstant(cronJob.getStatus().getLastScheduleTime())
        : ProtoTime.toInstant(cronJob.getMetadata().getCreationTimestamp());
    if (cronJob.getSpec().hasStartingDeadlineSeconds()) {
      Instant deadline = now.minusSeconds(cronJob.getSpec().getStartingDeadlineSeconds());
      earliest = deadline.isAfter(earliest) ? deadline : earliest;
    }
    Instant bound = earliest;
    return schedule.previous(now, zone).filter(t -> t.isAfter(bound));
  }

  /** The next scheduled time after {@code now}; empty if the schedule never fires again. */
  public Optional<Instant> next(Instant now) {
    return schedule.next(now, zone);
  }

  /** How long until the next scheduled time after {@code now}; empty if the schedule never fires again. */
  public Optional<Duration> untilNext(Instant now) {
    return schedule.next(now, zone).map(t -> Duration.between(now, t));
  }

  /**
   * The name of the Job for one scheduled time: {@code <cronjob>-<minutes since the epoch>}, so a
   * restarted controller that runs the same time again finds the Job it made before.
   */
  public static String jobName(String cronJobName, Instant scheduledTime) {
    return cronJobName + "-" + scheduledTime.getEpochSecond() / 60;
  }
}

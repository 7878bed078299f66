package dev.capstan.controllers.cronjob;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.controllers.framework.ProtoTime;
import dev.capstan.controllers.job.JobConditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The finished Jobs a CronJob no longer keeps: beyond {@code successfulJobsHistoryLimit} completed
 * and {@code failedJobsHistoryLimit} failed ones, the oldest first (by start time, else creation).
 */
public final class JobHistory {
  private JobHistory() {}

  public static List<Job> toDelete(List<Job> jobs, int successfulLimit, int failedLimit) {
    List<Job> result = new ArrayList<>();
    result.addAll(beyond(jobs.stream().filter(JobConditions::isComplete).toList(), successfulLimit));
    result.addAll(beyond(jobs.stream().filter(JobConditions::isFailed).toList(), failedLimit));
    return result;
  }

  private static List<Job> beyond(List<Job> finished, int limit) {
    if (finished.size() <= limit) {
      return List.of();
    }
    return finished.stream().sorted(Comparator.comparing(JobHistory::started))
        .limit(finished.size() - (long) Math.max(limit, 0)).toList();
  }

  private static Instant started(Job job) {
    return ProtoTime.toInstant(job.getStatus().hasStartTime() ? job.getStatus().getStartTime()
        : job.getMetadata().getCreationTimestamp());
  }
}

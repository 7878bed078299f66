package dev.capstan.cli.output;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobCondition;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.client.selector.LabelQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The cells kubectl prints for Jobs (STATUS Running, Complete or Failed; COMPLETIONS succeeded/
 * completions, or succeeded/1 of parallelism for a work queue; DURATION from start to completion or
 * to now) and for CronJobs (SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE).
 */
final class JobColumns {
  private JobColumns() {}

  static List<String> job(Job job, String age, Instant now, boolean wide) {
    JobSpec spec = job.getSpec();
    String status = job.getStatus().getConditionsList().stream()
        .filter(c -> c.getStatus().equals("True") && (c.getType().equals("Complete") || c.getType().equals("Failed")))
        .map(JobCondition::getType).findFirst().orElse("Running");
    String completions = spec.hasCompletions() ? job.getStatus().getSucceeded() + "/" + spec.getCompletions()
        : job.getStatus().getSucceeded() + "/1 of " + spec.getParallelism();
    String duration = "";
    if (job.getStatus().hasStartTime()) {
      Instant start = Instant.ofEpochSecond(job.getStatus().getStartTime().getSeconds());
      Instant end = job.getStatus().hasCompletionTime()
          ? Instant.ofEpochSecond(job.getStatus().getCompletionTime().getSeconds()) : now;
      duration = Age.format(Duration.between(start, end));
    }
    List<String> c = new ArrayList<>(List.of(job.getMetadata().getName(), status, completions, duration, age));
    if (wide) {
      c.addAll(containers(spec.getTemplate().getSpec()));
      c.add(LabelQuery.fromProto(spec.getSelector()).toString());
    }
    return c;
  }

  static List<String> cronJob(CronJob cronJob, String age, Instant now, boolean wide) {
    var spec = cronJob.getSpec();
    String last = cronJob.getStatus().hasLastScheduleTime() ? Age.since(cronJob.getStatus().getLastScheduleTime(), now)
        : "<none>";
    List<String> c = new ArrayList<>(List.of(cronJob.getMetadata().getName(), spec.getSchedule(),
        spec.hasTimeZone() ? spec.getTimeZone() : "<none>", Boolean.toString(spec.getSuspend()),
        Integer.toString(cronJob.getStatus().getActiveCount()), last, age));
    if (wide) {
      c.addAll(containers(spec.getJobTemplate().getSpec().getTemplate().getSpec()));
    }
    return c;
  }

  private static List<String> containers(PodSpec spec) {
    return List.of(spec.getContainersList().stream().map(Container::getName).collect(Collectors.joining(",")),
        spec.getContainersList().stream().map(Container::getImage).collect(Collectors.joining(",")));
  }
}

package dev.capstan.controllers.job;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobCondition;
import dev.capstan.api.batch.v1.JobStatus;
import java.util.Optional;

/**
 * A Job's terminal conditions, as Kubernetes names them: {@code Complete} (reason
 * {@code CompletionsReached}) or {@code Failed} (reason {@code BackoffLimitExceeded} or
 * {@code DeadlineExceeded}), each with status "True". A Job with either is finished for good.
 */
public final class JobConditions {
  public static final String COMPLETE = "Complete";
  public static final String FAILED = "Failed";
  public static final String COMPLETIONS_REACHED = "CompletionsReached";
  public static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
  public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";

  private JobConditions() {}

  /** The Complete or Failed condition that is True, if the Job finished. */
  public static Optional<JobCondition> finished(JobStatus status) {
    return status.getConditionsList().stream()
        .filter(c -> (c.getType().equals(COMPLETE) || c.getType().equals(FAILED)) && c.getStatus().equals("True"))
        .findFirst();
  }

  public static boolean isFinished(Job job) {
    return finished(job.getStatus()).isPresent();
  }

  public static boolean isComplete(Job job) {
    return finished(job.getStatus()).map(c -> c.getType().equals(COMPLETE)).orElse(false);
  }

  public static boolean isFailed(Job job) {
    return finished(job.getStatus()).map(c -> c.getType().equals(FAILED)).orElse(false);
  }
}

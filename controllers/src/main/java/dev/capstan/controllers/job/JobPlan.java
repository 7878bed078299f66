package dev.capstan.controllers.job;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobCondition;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.batch.v1.JobStatus;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One step of the Job controller, decided from the Job and its pods at {@code now}; no I/O, so it
 * is tested with a fixed clock. Kubernetes' rules (non-indexed Jobs):
 *
 * <ol>
 *   <li>A finished Job (Complete or Failed) stays finished: leftover active pods are deleted, and
 *       once {@code ttlSecondsAfterFinished} has passed since it finished, the Job itself.</li>
 *   <li>startTime is set at the first sync. Past {@code activeDeadlineSeconds} after it the Job
 *       fails with DeadlineExceeded.</li>
 *   <li>More failed pods than {@code backoffLimit} (with restartPolicy OnFailure: container
 *       restarts of its running pods reaching it) fail the Job with BackoffLimitExceeded.</li>
 *   <li>A failing Job deletes its active pods and counts them as failed.</li>
 *   <li>{@code completions} succeeded pods complete the Job (CompletionsReached, completionTime).
 *       Without completions (a work queue) it completes once a pod succeeded and none is active.</li>
 *   <li>Otherwise it keeps {@code min(parallelism, completions - succeeded)} pods active (without
 *       completions: parallelism until a pod succeeded, then creates no more), deleting surplus
 *       pods that are not yet running first. After failures it waits before creating again:
 *       {@code backoffBase * 2^(failures - 1)} after the last failure, at most {@code backoffMax}.</li>
 * </ol>
 *
 * @param podsToCreate new pods to create now
 * @param podsToDelete active pods to delete now
 * @param status the status the Job should have
 * @param deleteJob whether the Job's time to live has passed
 * @param recheckAfter when the Job must be looked at again even if nothing happens (deadline,
 *     backoff, time to live)
 */
public record JobPlan(int podsToCreate, List<Pod> podsToDelete, JobStatus status, boolean deleteJob,
    Optional<Duration> recheckAfter) {
  /** Kubernetes' pod failure backoff: 10 s, doubling, at most 6 minutes. */
  public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(6);
  /** Pods created in one sync at most, as Kubernetes' burst. */
  public static final int MAX_CREATES_PER_SYNC = 500;

  public JobPlan {
    podsToDelete = List.copyOf(podsToDelete);
  }

  public static JobPlan of(Job job, List<Pod> pods, Instant now) {
    return of(job, pods, now, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX);
  }

  /** @param pods the Job's pods: those it controls, in any phase, not terminating */
  public static JobPlan of(Job job, List<Pod> pods, Instant now, Duration backoffBase, Duration backoffMax) {
    JobSpec spec = job.getSpec();
    JobStatus old = job.getStatus();
    List<Pod> active = pods.stream().filter(PodState::isActive).toList();
    int succeeded = (int) pods.stream().filter(p -> p.getStatus().getPhase().equals(PodState.SUCCEEDED)).count();
    int failed = (int) pods.stream().filter(p -> p.getStatus().getPhase().equals(PodState.FAILED)).count();

    Optional<JobCondition> finished = JobConditions.finished(old);
    if (finished.isPresent()) {
      return finishedPlan(job, active, now, finished.get());
    }

    Instant start = old.hasStartTime() ? ProtoTime.toInstant(old.getStartTime()) : now;
    JobStatus.Builder status = old.toBuilder()
        .setStartTime(ProtoTime.toTimestamp(start))
        .setActive(active.size()).setSucceeded(succeeded).setFailed(failed);

    if (spec.hasActiveDeadlineSeconds()) {
      Instant deadline = start.plusSeconds(spec.getActiveDeadlineSeconds());
      if (!now.isBefore(deadline)) {
        return fail(status, active, JobConditions.DEADLINE_EXCEEDED, "Job was active longer than specified deadline",
            now);
      }
    }
    int backoffLimit = spec.hasBackoffLimit() ? spec.getBackoffLimit() : 6;
    if (failed > backoffLimit || pastBackoffLimitOnFailure(spec, active, backoffLimit)) {
      return fail(status, active, JobConditions.BACKOFF_LIMIT_EXCEEDED,
          "Job has reached the specified backoff limit", now);
    }
    boolean complete = spec.hasCompletions() ? succeeded >= spec.getCompletions()
        : succeeded > 0 && active.isEmpty();
    if (complete) {
      status.setActive(0).setCompletionTime(ProtoTime.toTimestamp(now))
          .addConditions(condition(JobConditions.COMPLETE, JobConditions.COMPLETIONS_REACHED,
              "Reached expected number of succeeded pods", now));
      return new JobPlan(0, active, status.build(), false, ttlRecheck(job.getSpec(), now, now));
    }

    int parallelism = spec.hasParallelism() ? spec.getParallelism() : 1;
    int wantActive = spec.hasCompletions() ? Math.min(parallelism, spec.getCompletions() - succeeded)
        : succeeded > 0 ? active.size() : parallelism;
    Optional<Duration> recheck = spec.hasActiveDeadlineSeconds()
        ? Optional.of(Duration.between(now, start.plusSeconds(spec.getActiveDeadlineSeconds())))
        : Optional.empty();
    if (active.size() > wantActive) {
      List<Pod> surplus = active.stream().sorted(DELETION_ORDER).limit(active.size() - wantActive).toList();
      return new JobPlan(0, surplus, status.build(), false, recheck);
    }
    int toCreate = Math.min(wantActive - active.size(), MAX_CREATES_PER_SYNC);
    if (toCreate > 0 && failed > 0) {
      Instant allowedAt = lastFailure(pods).plus(backoff(failed, backoffBase, backoffMax));
      if (now.isBefore(allowedAt)) {
        return new JobPlan(0, List.of(), status.build(), false, earliest(recheck, Duration.between(now, allowedAt)));
      }
    }
    return new JobPlan(toCreate, List.of(), status.build(), false, recheck);
  }

  /** The delay before creating pods again after {@code failures} failed pods. */
  static Duration backoff(int failures, Duration base, Duration max) {
    Duration d = base;
    for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }

  private static JobPlan finishedPlan(Job job, List<Pod> active, Instant now, JobCondition finished) {
    Instant finishedAt = finished.hasLastTransitionTime() ? ProtoTime.toInstant(finished.getLastTransitionTime()) : now;
    JobSpec spec = job.getSpec();
    boolean expired = spec.hasTtlSecondsAfterFinished()
        && !now.isBefore(finishedAt.plusSeconds(spec.getTtlSecondsAfterFinished()));
    return new JobPlan(0, active, job.getStatus(), expired, expired ? Optional.empty() : ttlRecheck(spec, finishedAt, now));
  }

  private static Optional<Duration> ttlRecheck(JobSpec spec, Instant finishedAt, Instant now) {
    if (!spec.hasTtlSecondsAfterFinished()) {
      return Optional.empty();
    }
    return Optional.of(Duration.between(now, finishedAt.plusSeconds(spec.getTtlSecondsAfterFinished())));
  }

  private static JobPlan fail(JobStatus.Builder status, List<Pod> active, String reason, String message, Instant now) {
    status.setFailed(status.getFailed() + active.size()).setActive(0)
        .addConditions(condition(JobConditions.FAILED, reason, message, now));
    return new JobPlan(0, active, status.build(), false, Optional.empty());
  }

  private static boolean pastBackoffLimitOnFailure(JobSpec spec, List<Pod> active, int backoffLimit) {
    if (!spec.getTemplate().getSpec().getRestartPolicy().equals("OnFailure")) {
      return false;
    }
    int restarts = active.stream()
        .flatMap(p -> Stream.concat(p.getStatus().getContainerStatusesList().stream(),
            p.getStatus().getInitContainerStatusesList().stream()))
        .mapToInt(ContainerStatus::getRestartCount).sum();
    return backoffLimit == 0 ? restarts > 0 : restarts >= backoffLimit;
  }

  /** When the last failed pod finished: its containers' latest finishedAt, else its creation. */
  private static Instant lastFailure(List<Pod> pods) {
    Instant last = Instant.EPOCH;
    for (Pod p : pods) {
      if (!p.getStatus().getPhase().equals(PodState.FAILED)) {
        continue;
      }
      Instant at = ProtoTime.toInstant(p.getMetadata().getCreationTimestamp());
      for (ContainerStatus cs : p.getStatus().getContainerStatusesList()) {
        if (cs.getState().hasTerminated() && cs.getState().getTerminated().hasFinishedAt()) {
          Instant f = ProtoTime.toInstant(cs.getState().getTerminated().getFinishedAt());
          at = f.isAfter(at) ? f : at;
        }
      }
      last = at.isAfter(last) ? at : last;
    }
    return last;
  }

  private static Optional<Duration> earliest(Optional<Duration> a, Duration b) {
    return Optional.of(a.isPresent() && a.get().compareTo(b) < 0 ? a.get() : b);
  }

  private static JobCondition condition(String type, String reason, String message, Instant now) {
    return JobCondition.newBuilder().setType(type).setStatus("True").setReason(reason).setMessage(message)
        .setLastProbeTime(ProtoTime.toTimestamp(now)).setLastTransitionTime(ProtoTime.toTimestamp(now)).build();
  }

  /** Surplus pods go in this order: not yet scheduled, then pending, then not ready, then the newest. */
  private static final Comparator<Pod> DELETION_ORDER = Comparator
      .comparing((Pod p) -> !p.getSpec().getNodeName().isEmpty())
      .thenComparing(p -> !p.getStatus().getPhase().equals(PodState.PENDING))
      .thenComparing(PodState::isReady)
      .thenComparing((Pod p) -> ProtoTime.toInstant(p.getMetadata().getCreationTimestamp()), Comparator.reverseOrder());
}

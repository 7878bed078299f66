package dev.capstan.apiserver.defaulting;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;

/**
 * Job defaults as Kubernetes sets them: without completions and parallelism both are 1 (one pod
 * that must succeed); parallelism alone leaves completions unset (a work queue: done when any pod
 * succeeded and none is left running); backoffLimit 6; the pod spec defaults in the template.
 */
final class JobDefaulter implements Defaulter<Job> {
  static final int DEFAULT_BACKOFF_LIMIT = 6;

  @Override
  public Job applyDefaults(Job job) {
    return job.toBuilder().setSpec(spec(job.getSpec())).build();
  }

  /** The defaults of a Job spec, also where a CronJob's jobTemplate holds one. */
  static JobSpec spec(JobSpec spec) {
    JobSpec.Builder b = spec.toBuilder();
    if (!b.hasCompletions() && !b.hasParallelism()) {
      b.setCompletions(1);
      b.setParallelism(1);
    } else if (!b.hasParallelism()) {
      b.setParallelism(1);
    }
    if (!b.hasBackoffLimit()) {
      b.setBackoffLimit(DEFAULT_BACKOFF_LIMIT);
    }
    if (b.hasTemplate()) {
      b.getTemplateBuilder().setSpec(PodSpecDefaults.apply(b.getTemplate().getSpec()));
    }
    return b.build();
  }
}

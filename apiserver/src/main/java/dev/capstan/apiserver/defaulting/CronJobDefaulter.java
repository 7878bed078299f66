package dev.capstan.apiserver.defaulting;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobSpec;

/**
 * CronJob defaults as Kubernetes sets them: concurrencyPolicy Allow, suspend false, the last 3
 * successful and 1 failed Job kept, and the Job defaults in the jobTemplate.
 */
final class CronJobDefaulter implements Defaulter<CronJob> {
  static final int DEFAULT_SUCCESSFUL_HISTORY = 3;
  static final int DEFAULT_FAILED_HISTORY = 1;

  @Override
  public CronJob applyDefaults(CronJob cronJob) {
    CronJobSpec.Builder spec = cronJob.getSpec().toBuilder();
    if (spec.getConcurrencyPolicy().isEmpty()) {
      spec.setConcurrencyPolicy("Allow");
    }
    if (!spec.hasSuspend()) {
      spec.setSuspend(false);
    }
    if (!spec.hasSuccessfulJobsHistoryLimit()) {
      spec.setSuccessfulJobsHistoryLimit(DEFAULT_SUCCESSFUL_HISTORY);
    }
    if (!spec.hasFailedJobsHistoryLimit()) {
      spec.setFailedJobsHistoryLimit(DEFAULT_FAILED_HISTORY);
    }
    if (spec.hasJobTemplate()) {
      spec.getJobTemplateBuilder().setSpec(JobDefaulter.spec(spec.getJobTemplate().getSpec()));
    }
    return cronJob.toBuilder().setSpec(spec).build();
  }
}

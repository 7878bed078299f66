package dev.capstan.apiserver.validation;

import dev.capstan.api.batch.v1.JobSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of a Job spec, in a Job and in a CronJob's jobTemplate: parallelism, completions,
 * backoffLimit, activeDeadlineSeconds and ttlSecondsAfterFinished not negative; selector and
 * template as {@link PodTemplateValidator#selectorAndTemplate} checks them; and a restartPolicy of
 * Never or OnFailure, since a Job's pods run to completion.
 */
final class JobSpecValidator {
  private JobSpecValidator() {}

  static List<FieldError> validate(JobSpec spec, FieldPath path, boolean selectorRequired) {
    List<FieldError> errors = new ArrayList<>();
    nonNegative(spec.hasParallelism(), spec.getParallelism(), path.child("parallelism"), errors);
    nonNegative(spec.hasCompletions(), spec.getCompletions(), path.child("completions"), errors);
    nonNegative(spec.hasBackoffLimit(), spec.getBackoffLimit(), path.child("backoffLimit"), errors);
    nonNegative(spec.hasActiveDeadlineSeconds(), spec.getActiveDeadlineSeconds(), path.child("activeDeadlineSeconds"),
        errors);
    nonNegative(spec.hasTtlSecondsAfterFinished(), spec.getTtlSecondsAfterFinished(),
        path.child("ttlSecondsAfterFinished"), errors);
    errors.addAll(PodTemplateValidator.selectorAndTemplate(spec.hasSelector(), spec.getSelector(), spec.hasTemplate(),
        spec.getTemplate(), path, "Job", selectorRequired));
    if (spec.hasTemplate()) {
      String restartPolicy = spec.getTemplate().getSpec().getRestartPolicy();
      if (!restartPolicy.equals("OnFailure") && !restartPolicy.equals("Never")) {
        errors.add(path.child("template").child("spec").child("restartPolicy")
            .unsupported(restartPolicy, "OnFailure", "Never"));
      }
    }
    return errors;
  }

  private static void nonNegative(boolean set, long value, FieldPath path, List<FieldError> errors) {
    if (set && value < 0) {
      errors.add(path.error("must be greater than or equal to 0"));
    }
  }
}

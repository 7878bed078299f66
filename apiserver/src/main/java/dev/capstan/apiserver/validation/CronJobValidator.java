package dev.capstan.apiserver.validation;

import dev.capstan.api.batch.v1.CronJob;
import dev.capstan.api.batch.v1.CronJobSpec;
import dev.capstan.client.cron.CronSchedule;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates CronJobs as Kubernetes' batch validation does: a name of at most 52 characters (its
 * Jobs append an 11-character suffix); a schedule {@link CronSchedule} parses and that fires at
 * some time; a timeZone that names a known IANA zone; concurrencyPolicy Allow, Forbid or Replace;
 * startingDeadlineSeconds and the history limits not negative; the jobTemplate's Job spec as
 * {@link JobSpecValidator} checks it (its selector is generated per Job, so not required).
 */
final class CronJobValidator implements Validator<CronJob> {
  static final int MAX_NAME_LENGTH = 52;
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(CronJob cronJob, CronJob old) {
    List<FieldError> errors = new ArrayList<>(
        meta.validate(cronJob.getMetadata(), old == null ? null : old.getMetadata()));
    if (cronJob.getMetadata().getName().length() > MAX_NAME_LENGTH) {
      errors.add(FieldPath.of("metadata.name").invalid(cronJob.getMetadata().getName(),
          "must be no more than " + MAX_NAME_LENGTH + " characters"));
    }
    CronJobSpec spec = cronJob.getSpec();
    FieldPath path = FieldPath.of("spec");
    ZoneId zone = ZoneOffset.UTC;
    if (spec.hasTimeZone()) {
      try {
        zone = ZoneId.of(spec.getTimeZone());
      } catch (DateTimeException e) {
        errors.add(path.child("timeZone").invalid(spec.getTimeZone(), "unknown time zone"));
      }
    }
    if (spec.getSchedule().isEmpty()) {
      errors.add(path.child("schedule").required());
    } else {
      try {
        CronSchedule schedule = CronSchedule.parse(spec.getSchedule());
        if (schedule.next(Instant.EPOCH, zone).isEmpty()) {
          errors.add(path.child("schedule").invalid(spec.getSchedule(), "matches no date"));
        }
      } catch (IllegalArgumentException e) {
        errors.add(path.child("schedule").invalid(spec.getSchedule(), e.getMessage()));
      }
    }
    String policy = spec.getConcurrencyPolicy();
    if (!policy.equals("Allow") && !policy.equals("Forbid") && !policy.equals("Replace")) {
      errors.add(path.child("concurrencyPolicy").unsupported(policy, "Allow", "Forbid", "Replace"));
    }
    if (spec.hasStartingDeadlineSeconds() && spec.getStartingDeadlineSeconds() < 0) {
      errors.add(path.child("startingDeadlineSeconds").error("must be greater than or equal to 0"));
    }
    if (spec.hasSuccessfulJobsHistoryLimit() && spec.getSuccessfulJobsHistoryLimit() < 0) {
      errors.add(path.child("successfulJobsHistoryLimit").error("must be greater than or equal to 0"));
    }
    if (spec.hasFailedJobsHistoryLimit() && spec.getFailedJobsHistoryLimit() < 0) {
      errors.add(path.child("failedJobsHistoryLimit").error("must be greater than or equal to 0"));
    }
    FieldPath template = path.child("jobTemplate");
    if (!spec.hasJobTemplate()) {
      errors.add(template.required());
    } else {
      errors.addAll(ObjectMetaValidator.labels(spec.getJobTemplate().getMetadata().getLabelsMap(),
          template.child("metadata").child("labels")));
      errors.addAll(JobSpecValidator.validate(spec.getJobTemplate().getSpec(), template.child("spec"), false));
    }
    return errors;
  }
}

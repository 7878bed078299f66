package dev.capstan.apiserver.validation;

import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.apiserver.defaulting.JobSelectors;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates Jobs as Kubernetes' batch validation does: the spec as {@link JobSpecValidator} checks
 * it; unless manualSelector is true, the selector and template labels must be the generated ones
 * (the Job's own uid); on update the selector, template and completions may not change.
 */
final class JobValidator implements Validator<Job> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(Job job, Job old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(job.getMetadata(), old == null ? null : old.getMetadata()));
    JobSpec spec = job.getSpec();
    FieldPath path = FieldPath.of("spec");
    errors.addAll(JobSpecValidator.validate(spec, path, true));
    if (JobSelectors.generated(job)) {
      String uid = job.getMetadata().getUid();
      if (!uid.equals(spec.getSelector().getMatchLabelsMap().get(JobSelectors.CONTROLLER_UID))) {
        errors.add(path.child("selector").error("`selector` not auto-generated; set spec.manualSelector: true"
            + " to choose one yourself"));
      }
      if (!uid.equals(spec.getTemplate().getMetadata().getLabelsMap().get(JobSelectors.CONTROLLER_UID))) {
        errors.add(path.child("template").child("metadata").child("labels").key(JobSelectors.CONTROLLER_UID)
            .invalid(spec.getTemplate().getMetadata().getLabelsMap().getOrDefault(JobSelectors.CONTROLLER_UID, ""),
                "must be the Job's uid \"" + uid + "\""));
      }
    }
    if (old != null) {
      JobSpec was = old.getSpec();
      if (!spec.getSelector().equals(was.getSelector())) {
        errors.add(path.child("selector").immutable());
      }
      if (!spec.getTemplate().equals(was.getTemplate())) {
        errors.add(path.child("template").immutable());
      }
      if (spec.hasCompletions() != was.hasCompletions() || spec.getCompletions() != was.getCompletions()) {
        errors.add(path.child("completions").immutable());
      }
    }
    return errors;
  }
}

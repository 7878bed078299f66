package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.Pod;
import java.util.ArrayList;
import java.util.List;

/** Validates Pods: metadata, the pod spec, and on update the pod spec's update rules. */
final class PodValidator implements Validator<Pod> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(Pod pod, Pod old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(pod.getMetadata(), old == null ? null : old.getMetadata()));
    FieldPath spec = FieldPath.of("spec");
    errors.addAll(PodSpecValidator.validate(pod.getSpec(), spec));
    if (old != null) {
      errors.addAll(PodSpecValidator.validateUpdate(pod.getSpec(), old.getSpec(), spec));
    }
    return errors;
  }
}

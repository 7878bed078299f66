package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.client.selector.LabelQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the selector and pod template of a workload (ReplicaSet, Deployment) as Kubernetes'
 * apps validation does: the selector is required, non-empty and well formed; the template is
 * required, its labels are valid and match the selector; its spec is a valid pod spec whose
 * restartPolicy is Always and which has no activeDeadlineSeconds, since the controller keeps its
 * pods running. Jobs, whose pods run to completion, use {@link #selectorAndTemplate} and check the
 * restartPolicy themselves.
 */
final class PodTemplateValidator {
  private PodTemplateValidator() {}

  static List<FieldError> validate(boolean hasSelector, LabelSelector selector, boolean hasTemplate,
      PodTemplateSpec template, FieldPath spec, String kindName) {
    List<FieldError> errors = selectorAndTemplate(hasSelector, selector, hasTemplate, template, spec, kindName, true);
    if (!hasTemplate) {
      return errors;
    }
    FieldPath podSpec = spec.child("template").child("spec");
    String restartPolicy = template.getSpec().getRestartPolicy();
    if (restartPolicy.equals("OnFailure") || restartPolicy.equals("Never")) {
      errors.add(podSpec.child("restartPolicy").unsupported(restartPolicy, "Always"));
    }
    if (template.getSpec().hasActiveDeadlineSeconds()) {
      errors.add(podSpec.child("activeDeadlineSeconds").error("activeDeadlineSeconds in " + kindName
          + " is not supported"));
    }
    return errors;
  }

  /**
   * The checks every workload shares, whatever restartPolicy it runs its pods with: selector well
   * formed (and present and non-empty when {@code selectorRequired}), template present, its labels
   * valid and matching the selector, its spec a valid pod spec.
   */
  static List<FieldError> selectorAndTemplate(boolean hasSelector, LabelSelector selector, boolean hasTemplate,
      PodTemplateSpec template, FieldPath spec, String kindName, boolean selectorRequired) {
    List<FieldError> errors = new ArrayList<>();
    FieldPath selectorPath = spec.child("selector");
    LabelQuery query = null;
    if (!hasSelector) {
      if (selectorRequired) {
        errors.add(selectorPath.required());
      }
    } else if (selector.getMatchLabelsCount() == 0 && selector.getMatchExpressionsCount() == 0) {
      if (selectorRequired) {
        errors.add(selectorPath.error("empty selector is invalid for " + kindName));
      }
    } else {
      List<FieldError> selectorErrors = LabelSelectorValidator.validate(selector, selectorPath);
      errors.addAll(selectorErrors);
      if (selectorErrors.isEmpty()) {
        query = LabelQuery.fromProto(selector);
      }
    }
    FieldPath templatePath = spec.child("template");
    if (!hasTemplate) {
      errors.add(templatePath.required());
      return errors;
    }
    FieldPath labelsPath = templatePath.child("metadata").child("labels");
    List<FieldError> labelErrors = ObjectMetaValidator.labels(template.getMetadata().getLabelsMap(), labelsPath);
    errors.addAll(labelErrors);
    if (query != null && labelErrors.isEmpty() && !query.matches(template.getMetadata().getLabelsMap())) {
      errors.add(labelsPath.error("does not match the selector"));
    }
    errors.addAll(PodSpecValidator.validate(template.getSpec(), templatePath.child("spec")));
    return errors;
  }
}

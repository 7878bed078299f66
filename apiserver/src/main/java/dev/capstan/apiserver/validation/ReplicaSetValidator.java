package dev.capstan.apiserver.validation;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates ReplicaSets: replicas and minReadySeconds not negative, selector and template as
 * {@link PodTemplateValidator} checks them; on update the selector may not change (apps/v1).
 */
final class ReplicaSetValidator implements Validator<ReplicaSet> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(ReplicaSet rs, ReplicaSet old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(rs.getMetadata(), old == null ? null : old.getMetadata()));
    ReplicaSetSpec spec = rs.getSpec();
    FieldPath path = FieldPath.of("spec");
    if (spec.hasReplicas() && spec.getReplicas() < 0) {
      errors.add(path.child("replicas").error("must be greater than or equal to 0"));
    }
    if (spec.getMinReadySeconds() < 0) {
      errors.add(path.child("minReadySeconds").error("must be greater than or equal to 0"));
    }
    errors.addAll(PodTemplateValidator.validate(spec.hasSelector(), spec.getSelector(), spec.hasTemplate(),
        spec.getTemplate(), path, "ReplicaSet"));
    if (old != null && !spec.getSelector().equals(old.getSpec().getSelector())) {
      errors.add(path.child("selector").immutable());
    }
    return errors;
  }
}

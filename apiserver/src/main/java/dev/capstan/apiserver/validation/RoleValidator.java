package dev.capstan.apiserver.validation;

import com.google.protobuf.Message;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.client.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Validates Roles and ClusterRoles: every rule names at least one verb, and either resources
 * (with their API groups) or, for ClusterRoles only, non-resource URLs.
 *
 * @param <T> Role or ClusterRole
 */
final class RoleValidator<T extends Message> implements Validator<T> {
  private final Kind<T> kind;
  private final Function<T, List<PolicyRule>> rules;
  private final ObjectMetaValidator meta;

  RoleValidator(Kind<T> kind, Function<T, List<PolicyRule>> rules) {
    this.kind = kind;
    this.rules = rules;
    this.meta = ObjectMetaValidator.pathSegmentNames(kind.namespaced());
  }

  @Override
  public List<FieldError> validate(T role, T old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(kind.metadata(role),
        old == null ? null : kind.metadata(old)));
    List<PolicyRule> list = rules.apply(role);
    for (int i = 0; i < list.size(); i++) {
      errors.addAll(validateRule(list.get(i), FieldPath.of("rules").index(i)));
    }
    return errors;
  }

  private List<FieldError> validateRule(PolicyRule rule, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    if (rule.getVerbsCount() == 0) {
      errors.add(path.child("verbs").error("verbs must contain at least one value"));
    }
    if (rule.getNonResourceUrlsCount() > 0) {
      if (kind.namespaced()) {
        errors.add(path.child("nonResourceURLs").error("namespaced rules cannot apply to non-resource URLs"));
      }
      if (rule.getApiGroupsCount() > 0 || rule.getResourcesCount() > 0) {
        errors.add(path.child("nonResourceURLs").error("rules cannot apply to both regular resources and"
            + " non-resource URLs"));
      }
      return errors;
    }
    if (rule.getApiGroupsCount() == 0) {
      errors.add(path.child("apiGroups").error("resource rules must supply at least one api group"));
    }
    if (rule.getResourcesCount() == 0) {
      errors.add(path.child("resources").error("resource rules must supply at least one resource"));
    }
    return errors;
  }
}

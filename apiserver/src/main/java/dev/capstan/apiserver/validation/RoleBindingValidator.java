package dev.capstan.apiserver.validation;

import com.google.protobuf.Message;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.client.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Validates RoleBindings and ClusterRoleBindings: the roleRef names a Role (RoleBindings only) or
 * a ClusterRole in the RBAC API group and may not change; every subject is a User, Group or
 * ServiceAccount with a name (and a namespace for a ServiceAccount bound cluster-wide).
 *
 * @param <T> RoleBinding or ClusterRoleBinding
 */
final class RoleBindingValidator<T extends Message> implements Validator<T> {
  static final String RBAC_GROUP = "rbac.authorization.k8s.io";

  private final Kind<T> kind;
  private final Function<T, RoleRef> roleRef;
  private final Function<T, List<Subject>> subjects;
  private final ObjectMetaValidator meta;

  RoleBindingValidator(Kind<T> kind, Function<T, RoleRef> roleRef, Function<T, List<Subject>> subjects) {
    this.kind = kind;
    this.roleRef = roleRef;
    this.subjects = subjects;
    this.meta = ObjectMetaValidator.pathSegmentNames(kind.namespaced());
  }

  @Override
  public List<FieldError> validate(T binding, T old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(kind.metadata(binding),
        old == null ? null : kind.metadata(old)));
    RoleRef ref = roleRef.apply(binding);
    FieldPath refPath = FieldPath.of("roleRef");
    if (!ref.getApiGroup().equals(RBAC_GROUP)) {
      errors.add(refPath.child("apiGroup").unsupported(ref.getApiGroup(), RBAC_GROUP));
    }
    if (kind.namespaced()) {
      if (!ref.getKind().equals("Role") && !ref.getKind().equals("ClusterRole")) {
        errors.add(refPath.child("kind").unsupported(ref.getKind(), "Role", "ClusterRole"));
      }
    } else if (!ref.getKind().equals("ClusterRole")) {
      errors.add(refPath.child("kind").unsupported(ref.getKind(), "ClusterRole"));
    }
    if (ref.getName().isEmpty()) {
      errors.add(refPath.child("name").required());
    } else {
      NameSyntax.pathSegment(ref.getName()).ifPresent(why -> errors.add(refPath.child("name").invalid(ref.getName(), why)));
    }
    if (old != null && !ref.equals(roleRef.apply(old))) {
      errors.add(refPath.error("cannot change roleRef"));
    }
    List<Subject> list = subjects.apply(binding);
    for (int i = 0; i < list.size(); i++) {
      errors.addAll(validateSubject(list.get(i), FieldPath.of("subjects").index(i)));
    }
    return errors;
  }

  private List<FieldError> validateSubject(Subject s, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    if (s.getName().isEmpty()) {
      errors.add(path.child("name").required());
    }
    switch (s.getKind()) {
      case "User", "Group" -> {
        if (!s.getApiGroup().equals(RBAC_GROUP)) {
          errors.add(path.child("apiGroup").unsupported(s.getApiGroup(), RBAC_GROUP));
        }
      }
      case "ServiceAccount" -> {
        if (!s.getApiGroup().isEmpty()) {
          errors.add(path.child("apiGroup").unsupported(s.getApiGroup(), ""));
        }
        if (!kind.namespaced() && s.getNamespace().isEmpty()) {
          errors.add(path.child("namespace").required());
        }
      }
      default -> errors.add(path.child("kind").unsupported(s.getKind(), "ServiceAccount", "User", "Group"));
    }
    return errors;
  }
}

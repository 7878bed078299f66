package dev.capstan.apiserver.authz;

import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.UserInfo;
import java.util.List;

/**
 * Role-based access control as Kubernetes defines it. Permissions only add up; nothing denies.
 * A ClusterRoleBinding grants its ClusterRole everywhere: in every namespace, across all
 * namespaces and on cluster-scoped resources. A RoleBinding grants its Role, or a ClusterRole's
 * rules, inside the binding's namespace only. A binding whose role does not exist grants nothing.
 */
public final class RbacAuthorizer implements Authorizer {
  private final PolicySource policy;

  public RbacAuthorizer(PolicySource policy) {
    this.policy = policy;
  }

  @Override
  public boolean allows(RequestAttributes request) {
    UserInfo user = request.user();
    for (var binding : policy.clusterRoleBindings()) {
      if (bindsUser(binding.getSubjectsList(), "", user)
          && RuleMatcher.coversAny(clusterRoleRules(binding.getRoleRef()), request)) {
        return true;
      }
    }
    if (request.namespace().isEmpty()) {
      return false;
    }
    for (var binding : policy.roleBindings(request.namespace())) {
      if (bindsUser(binding.getSubjectsList(), request.namespace(), user)
          && RuleMatcher.coversAny(roleRules(binding.getRoleRef(), request.namespace()), request)) {
        return true;
      }
    }
    return false;
  }

  private List<PolicyRule> clusterRoleRules(RoleRef ref) {
    if (!ref.getKind().equals("ClusterRole")) {
      return List.of();
    }
    return policy.clusterRole(ref.getName()).map(r -> r.getRulesList()).orElse(List.of());
  }

  private List<PolicyRule> roleRules(RoleRef ref, String namespace) {
    if (ref.getKind().equals("Role")) {
      return policy.role(namespace, ref.getName()).map(r -> r.getRulesList()).orElse(List.of());
    }
    return clusterRoleRules(ref);
  }

  /** Whether a binding's subjects include the user; {@code bindingNamespace} defaults a ServiceAccount's. */
  static boolean bindsUser(List<Subject> subjects, String bindingNamespace, UserInfo user) {
    for (Subject s : subjects) {
      boolean match = switch (s.getKind()) {
        case "User" -> s.getName().equals(user.name());
        case "Group" -> user.inGroup(s.getName());
        case "ServiceAccount" -> user.name().equals("system:serviceaccount:"
            + (s.getNamespace().isEmpty() ? bindingNamespace : s.getNamespace()) + ":" + s.getName());
        default -> false;
      };
      if (match) {
        return true;
      }
    }
    return false;
  }
}

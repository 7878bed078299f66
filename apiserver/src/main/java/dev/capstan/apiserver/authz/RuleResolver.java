package dev.capstan.apiserver.authz;

import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.UserInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves RBAC objects to rules, as Kubernetes' rule resolver does: the rules a role reference
 * stands for, whether a binding's subjects include a user, and every rule a user holds in a
 * namespace (the union of what its ClusterRoleBindings grant and, in a namespace, what that
 * namespace's RoleBindings grant). Reads only the {@link PolicySource}, so answers are as current
 * as its caches.
 */
public final class RuleResolver {
  private final PolicySource policy;

  public RuleResolver(PolicySource policy) {
    this.policy = policy;
  }

  /**
   * The rules of the role {@code ref} names, seen from a binding in {@code namespace} ("" for a
   * ClusterRoleBinding, which may only name a ClusterRole); empty when that role does not exist.
   */
  public Optional<List<PolicyRule>> roleRules(RoleRef ref, String namespace) {
    return switch (ref.getKind()) {
      case "ClusterRole" -> policy.clusterRole(ref.getName()).map(r -> r.getRulesList());
      case "Role" -> namespace.isEmpty() ? Optional.empty()
          : policy.role(namespace, ref.getName()).map(r -> r.getRulesList());
      default -> Optional.empty();
    };
  }

  /**
   * Every rule {@code user} holds in {@code namespace}; with "" only what ClusterRoleBindings
   * grant (the rules that hold cluster-wide).
   */
  public List<PolicyRule> rulesFor(UserInfo user, String namespace) {
    List<PolicyRule> rules = new ArrayList<>();
    for (var binding : policy.clusterRoleBindings()) {
      if (bindsUser(binding.getSubjectsList(), "", user)) {
        rules.addAll(roleRules(binding.getRoleRef(), "").orElse(List.of()));
      }
    }
    if (!namespace.isEmpty()) {
      for (var binding : policy.roleBindings(namespace)) {
        if (bindsUser(binding.getSubjectsList(), namespace, user)) {
          rules.addAll(roleRules(binding.getRoleRef(), namespace).orElse(List.of()));
        }
      }
    }
    return rules;
  }

  /** Whether a binding's subjects include the user; {@code bindingNamespace} defaults a ServiceAccount's. */
  public static boolean bindsUser(List<Subject> subjects, String bindingNamespace, UserInfo user) {
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

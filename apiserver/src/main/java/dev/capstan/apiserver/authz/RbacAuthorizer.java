package dev.capstan.apiserver.authz;

import static dev.capstan.apiserver.authz.RuleResolver.bindsUser;

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
  private final RuleResolver rules;

  public RbacAuthorizer(PolicySource policy) {
    this.policy = policy;
    this.rules = new RuleResolver(policy);
  }

  @Override
  public boolean allows(RequestAttributes request) {
    UserInfo user = request.user();
    // Binding by binding rather than rules.rulesFor(...): most requests stop at the first match.
    for (var binding : policy.clusterRoleBindings()) {
      if (bindsUser(binding.getSubjectsList(), "", user)
          && RuleMatcher.coversAny(rules.roleRules(binding.getRoleRef(), "").orElse(List.of()), request)) {
        return true;
      }
    }
    if (request.namespace().isEmpty()) {
      return false;
    }
    for (var binding : policy.roleBindings(request.namespace())) {
      if (bindsUser(binding.getSubjectsList(), request.namespace(), user) && RuleMatcher.coversAny(
          rules.roleRules(binding.getRoleRef(), request.namespace()).orElse(List.of()), request)) {
        return true;
      }
    }
    return false;
  }
}

package dev.capstan.apiserver.audit;

import dev.capstan.apiserver.authn.UserInfo;
import java.util.List;
import java.util.Set;

/**
 * One compiled rule of an {@link AuditPolicy}, matched as Kubernetes matches it: every list that
 * is not empty must contain the request's value (users: the user's name; userGroups: any of its
 * groups; verbs; namespaces: the request's namespace, "" for cluster-scoped resources), and
 * {@code resources}, when given, must hold a group entry covering the request. A rule with
 * {@code nonResourceURLs} applies only to non-resource requests, and every Capstan request is a
 * resource request, so such a rule never matches.
 *
 * @param omitStages bits of {@link AuditStage#bit}
 */
record AuditPolicyRule(AuditLevel level, Set<String> users, Set<String> userGroups, Set<String> verbs,
    List<GroupResources> resources, Set<String> namespaces, List<String> nonResourceURLs, int omitStages) {

  /** Whether the rule looks at the request's namespace or object name. */
  boolean targetDependent() {
    if (!namespaces.isEmpty()) {
      return true;
    }
    for (GroupResources g : resources) {
      if (!g.names().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Whether the rule covers the request; with {@code ignoreTarget} namespaces and resourceNames are not checked. */
  boolean matches(UserInfo user, AuditedMethod method, String namespace, String name, boolean ignoreTarget) {
    if (!users.isEmpty() && !users.contains(user.name())) {
      return false;
    }
    if (!userGroups.isEmpty() && !inAnyGroup(user)) {
      return false;
    }
    if (!verbs.isEmpty() && !verbs.contains(method.verb())) {
      return false;
    }
    if (!namespaces.isEmpty() || !resources.isEmpty()) {
      if (!ignoreTarget && !namespaces.isEmpty() && !namespaces.contains(namespace)) {
        return false;
      }
      return resources.isEmpty() || coversResource(method, name, ignoreTarget);
    }
    return nonResourceURLs.isEmpty();
  }

  private boolean inAnyGroup(UserInfo user) {
    for (String g : user.groups()) {
      if (userGroups.contains(g)) {
        return true;
      }
    }
    return false;
  }

  private boolean coversResource(AuditedMethod method, String name, boolean ignoreTarget) {
    for (GroupResources g : resources) {
      if (g.group().equals(method.apiGroup()) && g.covers(method) && (ignoreTarget || g.coversName(name))) {
        return true;
      }
    }
    return false;
  }

  /**
   * One entry of a rule's {@code resources}: an API group ("" is core) and, compiled from its
   * resource patterns, which resources it covers: {@code all} for "*" (or no resources listed),
   * {@code exact} "pods" or "pods/log", {@code allSubresourcesOf} from "pods/*" (which, as in
   * Kubernetes, covers the pods themselves too), and
   * {@code subresourceOfAll} from "* /scale" (without the space). {@code names} limits it to those objects.
   */
  record GroupResources(String group, boolean all, Set<String> exact, Set<String> allSubresourcesOf,
      Set<String> subresourceOfAll, Set<String> names) {

    boolean covers(AuditedMethod method) {
      if (all || exact.contains(method.resourcePath()) || allSubresourcesOf.contains(method.resource())) {
        return true;
      }
      return !method.subresource().isEmpty() && subresourceOfAll.contains(method.subresource());
    }

    boolean coversName(String name) {
      return names.isEmpty() || names.contains(name);
    }
  }
}

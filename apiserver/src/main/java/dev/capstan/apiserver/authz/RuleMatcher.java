package dev.capstan.apiserver.authz;

import dev.capstan.api.rbac.v1.PolicyRule;
import java.util.List;

/**
 * Whether one RBAC rule covers a request: its verbs, API groups and resources each contain the
 * request's (or {@code "*"}), and its resourceNames, when it has any, contain the requested
 * object's name. A resource entry {@code "*"} covers every resource and subresource,
 * {@code "pods"} only the pods themselves, {@code "pods/status"} only that subresource and
 * {@code "* /status"} (without the space) that subresource of every resource.
 */
public final class RuleMatcher {
  public static final String ALL = "*";

  private RuleMatcher() {}

  public static boolean covers(PolicyRule rule, RequestAttributes request) {
    return contains(rule.getVerbsList(), request.verb())
        && contains(rule.getApiGroupsList(), request.apiGroup())
        && coversResource(rule.getResourcesList(), request)
        && coversName(rule.getResourceNamesList(), request.name());
  }

  public static boolean coversAny(List<PolicyRule> rules, RequestAttributes request) {
    for (PolicyRule r : rules) {
      if (covers(r, request)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(List<String> values, String wanted) {
    for (String v : values) {
      if (v.equals(ALL) || v.equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  private static boolean coversResource(List<String> resources, RequestAttributes request) {
    String path = request.resourcePath();
    for (String r : resources) {
      if (r.equals(ALL) || r.equals(path)) {
        return true;
      }
      if (!request.subresource().isEmpty() && r.equals(ALL + "/" + request.subresource())) {
        return true;
      }
    }
    return false;
  }

  /** A rule with names covers only requests for one of them, so never a list or a create without a name. */
  private static boolean coversName(List<String> names, String name) {
    return names.isEmpty() || (!name.isEmpty() && names.contains(name));
  }
}

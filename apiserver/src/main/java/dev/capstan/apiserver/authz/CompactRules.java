package dev.capstan.apiserver.authz;

import dev.capstan.api.rbac.v1.PolicyRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Rules made short for a message, as Kubernetes words missing permissions: rules for one API
 * group, one resource and at most one resource name are merged into one rule with all their verbs,
 * and a rule reads {@code {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}} (only
 * the fields it has, each value quoted).
 */
public final class CompactRules {
  private CompactRules() {}

  /** {@code rules} with the simple ones merged by group, resource and name; the others as they are. */
  public static List<PolicyRule> compact(List<PolicyRule> rules) {
    Map<List<String>, PolicyRule.Builder> simple = new LinkedHashMap<>();
    List<PolicyRule> others = new ArrayList<>();
    for (PolicyRule rule : rules) {
      if (!isSimple(rule)) {
        others.add(rule);
        continue;
      }
      List<String> key = List.of(rule.getApiGroups(0), rule.getResources(0),
          rule.getResourceNamesCount() == 0 ? "" : "/" + rule.getResourceNames(0));
      PolicyRule.Builder merged = simple.computeIfAbsent(key, k -> rule.toBuilder().clearVerbs());
      rule.getVerbsList().stream().filter(v -> !merged.getVerbsList().contains(v)).forEach(merged::addVerbs);
    }
    List<PolicyRule> result = new ArrayList<>();
    simple.values().forEach(b -> result.add(b.build()));
    result.addAll(others);
    return result;
  }

  /** The rules compacted and written one after another, separated by "; ". */
  public static String describe(List<PolicyRule> rules) {
    return compact(rules).stream().map(CompactRules::toString).collect(Collectors.joining("; "));
  }

  public static String toString(PolicyRule rule) {
    List<String> parts = new ArrayList<>();
    field(parts, "APIGroups", rule.getApiGroupsList());
    field(parts, "Resources", rule.getResourcesList());
    field(parts, "NonResourceURLs", rule.getNonResourceUrlsList());
    field(parts, "ResourceNames", rule.getResourceNamesList());
    field(parts, "Verbs", rule.getVerbsList());
    return "{" + String.join(", ", parts) + "}";
  }

  private static boolean isSimple(PolicyRule rule) {
    return rule.getApiGroupsCount() == 1 && rule.getResourcesCount() == 1 && rule.getResourceNamesCount() <= 1
        && rule.getNonResourceUrlsCount() == 0 && rule.getVerbsCount() > 0;
  }

  private static void field(List<String> parts, String name, List<String> values) {
    if (!values.isEmpty()) {
      parts.add(name + ":" + quoted(values));
    }
  }

  /** Go's {@code %q} of a string slice: {@code ["a" "b"]}. */
  public static String quoted(List<String> values) {
    return values.stream().map(v -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
        .collect(Collectors.joining(" ", "[", "]"));
  }
}

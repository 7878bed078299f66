package dev.capstan.apiserver.authz;

import dev.capstan.api.rbac.v1.PolicyRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a set of rules (what a user holds) covers other rules (what the user wants to grant),
 * with Kubernetes' semantics for escalation prevention. Each wanted rule is broken down into
 * atomic rules (one API group, resource, verb and, if it names any, resource name; or one
 * non-resource URL and verb), and each of those must be covered by one held rule:
 *
 * <ul>
 *   <li>verbs and API groups: the held rule lists the value or {@code "*"} (a wanted {@code "*"}
 *       is covered only by a held {@code "*"});
 *   <li>resources: the held rule lists the resource, or {@code "*"}, or, for a subresource such
 *       as {@code pods/log}, {@code "* /log"} (without the space);
 *   <li>resource names: a held rule without names covers any; one with names covers a wanted
 *       rule only for one of those names (never a wanted rule without names);
 *   <li>non-resource URLs: the held rule lists the URL, or a prefix of it ending in {@code "*"}.
 * </ul>
 */
public final class RuleCoverage {
  private RuleCoverage() {}

  /** Whether {@code held} covers every rule of {@code wanted}. */
  public static boolean covers(List<PolicyRule> held, List<PolicyRule> wanted) {
    return uncovered(held, wanted).isEmpty();
  }

  /** The atomic rules of {@code wanted} that {@code held} does not cover, in the order they appear. */
  public static List<PolicyRule> uncovered(List<PolicyRule> held, List<PolicyRule> wanted) {
    List<PolicyRule> missing = new ArrayList<>();
    for (PolicyRule rule : wanted) {
      for (PolicyRule atom : breakDown(rule)) {
        if (held.stream().noneMatch(h -> covers(h, atom))) {
          missing.add(atom);
        }
      }
    }
    return missing;
  }

  /** A rule as the equivalent list of rules with one group, resource, verb and name (or one URL and verb) each. */
  static List<PolicyRule> breakDown(PolicyRule rule) {
    List<PolicyRule> atoms = new ArrayList<>();
    for (String group : rule.getApiGroupsList()) {
      for (String resource : rule.getResourcesList()) {
        for (String verb : rule.getVerbsList()) {
          PolicyRule.Builder atom = PolicyRule.newBuilder().addApiGroups(group).addResources(resource).addVerbs(verb);
          if (rule.getResourceNamesCount() == 0) {
            atoms.add(atom.build());
          }
          for (String name : rule.getResourceNamesList()) {
            atoms.add(atom.clone().addResourceNames(name).build());
          }
        }
      }
    }
    for (String url : rule.getNonResourceUrlsList()) {
      for (String verb : rule.getVerbsList()) {
        atoms.add(PolicyRule.newBuilder().addNonResourceUrls(url).addVerbs(verb).build());
      }
    }
    return atoms;
  }

  /** Whether one held rule covers an atomic rule. */
  static boolean covers(PolicyRule held, PolicyRule atom) {
    return containsAll(held.getVerbsList(), atom.getVerbsList())
        && containsAll(held.getApiGroupsList(), atom.getApiGroupsList())
        && resourcesCover(held.getResourcesList(), atom.getResourcesList())
        && namesCover(held.getResourceNamesList(), atom.getResourceNamesList())
        && urlsCover(held.getNonResourceUrlsList(), atom.getNonResourceUrlsList());
  }

  private static boolean containsAll(List<String> held, List<String> wanted) {
    return held.contains(RuleMatcher.ALL) || held.containsAll(wanted);
  }

  private static boolean resourcesCover(List<String> held, List<String> wanted) {
    if (held.contains(RuleMatcher.ALL)) {
      return true;
    }
    for (String resource : wanted) {
      int slash = resource.indexOf('/');
      boolean covered = held.contains(resource)
          || (slash >= 0 && held.contains(RuleMatcher.ALL + resource.substring(slash)));
      if (!covered) {
        return false;
      }
    }
    return true;
  }

  private static boolean namesCover(List<String> held, List<String> wanted) {
    return held.isEmpty() || (!wanted.isEmpty() && held.containsAll(wanted));
  }

  private static boolean urlsCover(List<String> held, List<String> wanted) {
    for (String url : wanted) {
      if (held.stream().noneMatch(h -> urlCovers(h, url))) {
        return false;
      }
    }
    return true;
  }

  private static boolean urlCovers(String held, String url) {
    if (held.equals(url)) {
      return true;
    }
    return held.endsWith(RuleMatcher.ALL) && url.startsWith(held.substring(0, held.length() - 1));
  }
}

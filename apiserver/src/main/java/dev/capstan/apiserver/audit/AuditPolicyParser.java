package dev.capstan.apiserver.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.capstan.client.selector.DnsNames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an {@code audit.k8s.io/v1} Policy from YAML or JSON and checks it as the Kubernetes
 * apiserver does at start: {@code apiVersion} and {@code kind} are required, there is at least one
 * rule, every rule has a valid {@code level}, stages and resource patterns are well formed, and a
 * rule does not mix resources with non-resource URLs. Unknown fields and values of the wrong type
 * are errors too. Every error is an {@link AuditPolicyException} naming the field, e.g.
 * {@code rules[2].level: "Full" is not one of None, Metadata, Request, RequestResponse}.
 */
public final class AuditPolicyParser {
  private static final YAMLMapper YAML = new YAMLMapper();  // YAML is a superset of JSON: reads both
  private static final Set<String> POLICY_FIELDS = Set.of("apiVersion", "kind", "metadata", "rules", "omitStages",
      "omitManagedFields");
  private static final Set<String> RULE_FIELDS = Set.of("level", "users", "userGroups", "verbs", "resources",
      "namespaces", "nonResourceURLs", "omitStages", "omitManagedFields");
  private static final Set<String> GROUP_RESOURCES_FIELDS = Set.of("group", "resources", "resourceNames");
  /** "pods", "pods/log", "*", "* /scale" (no space), "pods/*". */
  private static final Pattern RESOURCE = Pattern.compile("(\\*|[^/*]+)(/(\\*|[^/*]+))?");

  private AuditPolicyParser() {}

  public static AuditPolicy parse(String yamlOrJson) {
    JsonNode root;
    try {
      root = YAML.readTree(yamlOrJson);
    } catch (JsonProcessingException e) {
      throw new AuditPolicyException("", "not valid YAML or JSON: " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new AuditPolicyException("", "expected a Policy object with apiVersion, kind and rules");
    }
    onlyKnownFields(root, "", POLICY_FIELDS);
    requireValue(root, "apiVersion", "audit.k8s.io/v1");
    requireValue(root, "kind", "Policy");
    JsonNode metadata = root.path("metadata");
    if (!metadata.isMissingNode() && !metadata.isNull() && !metadata.isObject()) {
      throw new AuditPolicyException("metadata", "expected an object, got " + describe(metadata));
    }
    Set<AuditStage> omitStages = stages(root.path("omitStages"), "omitStages");
    boolean omitManagedFields = bool(root.path("omitManagedFields"), "omitManagedFields");
    JsonNode rules = root.path("rules");
    if (rules.isMissingNode() || rules.isNull() || (rules.isArray() && rules.isEmpty())) {
      throw new AuditPolicyException("rules", "at least one rule is required");
    }
    if (!rules.isArray()) {
      throw new AuditPolicyException("rules", "expected a list, got " + describe(rules));
    }
    List<AuditPolicyRule> compiled = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      compiled.add(rule(rules.get(i), "rules[" + i + "]"));
    }
    return new AuditPolicy(compiled, omitStages, omitManagedFields);
  }

  private static AuditPolicyRule rule(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new AuditPolicyException(path, "expected an object, got " + describe(node));
    }
    onlyKnownFields(node, path, RULE_FIELDS);
    JsonNode levelNode = node.path("level");
    if (levelNode.isMissingNode() || levelNode.isNull()) {
      throw new AuditPolicyException(path + ".level", "required (one of " + AuditLevel.NAMES + ")");
    }
    String levelName = string(levelNode, path + ".level");
    AuditLevel level = AuditLevel.parse(levelName).orElseThrow(() -> new AuditPolicyException(path + ".level",
        quote(levelName) + " is not one of " + AuditLevel.NAMES));
    Set<String> verbs = strings(node.path("verbs"), path + ".verbs");
    Set<String> namespaces = strings(node.path("namespaces"), path + ".namespaces", true);
    List<AuditPolicyRule.GroupResources> resources = new ArrayList<>();
    JsonNode resourcesNode = node.path("resources");
    if (!resourcesNode.isMissingNode() && !resourcesNode.isNull()) {
      if (!resourcesNode.isArray()) {
        throw new AuditPolicyException(path + ".resources", "expected a list, got " + describe(resourcesNode));
      }
      for (int j = 0; j < resourcesNode.size(); j++) {
        resources.add(groupResources(resourcesNode.get(j), path + ".resources[" + j + "]"));
      }
    }
    List<String> urls = List.copyOf(strings(node.path("nonResourceURLs"), path + ".nonResourceURLs"));
    if (!urls.isEmpty() && (!resources.isEmpty() || !namespaces.isEmpty())) {
      throw new AuditPolicyException(path + ".nonResourceURLs",
          "a rule cannot apply to both resources (resources, namespaces) and non-resource URLs");
    }
    for (int k = 0; k < urls.size(); k++) {
      String url = urls.get(k);
      int star = url.indexOf('*');
      if (!url.startsWith("/") && !url.equals("*") || (star >= 0 && star != url.length() - 1)) {
        throw new AuditPolicyException(path + ".nonResourceURLs[" + k + "]",
            quote(url) + " must start with \"/\" and may have \"*\" only at its end");
      }
    }
    int omitStages = 0;
    for (AuditStage s : stages(node.path("omitStages"), path + ".omitStages")) {
      omitStages |= s.bit();
    }
    bool(node.path("omitManagedFields"), path + ".omitManagedFields");
    return new AuditPolicyRule(level, strings(node.path("users"), path + ".users"),
        strings(node.path("userGroups"), path + ".userGroups"), verbs, resources, namespaces, urls, omitStages);
  }

  private static AuditPolicyRule.GroupResources groupResources(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new AuditPolicyException(path, "expected an object, got " + describe(node));
    }
    onlyKnownFields(node, path, GROUP_RESOURCES_FIELDS);
    JsonNode groupNode = node.path("group");
    String group = groupNode.isMissingNode() || groupNode.isNull() ? "" : string(groupNode, path + ".group");
    if (!group.isEmpty() && !DnsNames.isDns1123Subdomain(group)) {
      throw new AuditPolicyException(path + ".group", quote(group)
          + " is not an API group (\"\" for the core group, \"apps\", \"rbac.authorization.k8s.io\", ...)");
    }
    List<String> patterns = List.copyOf(strings(node.path("resources"), path + ".resources"));
    Set<String> names = strings(node.path("resourceNames"), path + ".resourceNames");
    if (!names.isEmpty() && patterns.isEmpty()) {
      throw new AuditPolicyException(path + ".resourceNames", "resourceNames need resources");
    }
    boolean all = patterns.isEmpty();
    Set<String> exact = new HashSet<>();
    Set<String> allSubresourcesOf = new HashSet<>();
    Set<String> subresourceOfAll = new HashSet<>();
    for (int k = 0; k < patterns.size(); k++) {
      String p = patterns.get(k);
      if (!RESOURCE.matcher(p).matches()) {
        throw new AuditPolicyException(path + ".resources[" + k + "]", quote(p)
            + " is not a resource pattern (\"pods\", \"pods/log\", \"pods/*\", \"*/scale\" or \"*\")");
      }
      if (p.equals("*")) {
        all = true;
      } else if (p.startsWith("*/")) {
        subresourceOfAll.add(p.substring(2));
      } else if (p.endsWith("/*")) {
        allSubresourcesOf.add(p.substring(0, p.length() - 2));
      } else {
        exact.add(p);
      }
    }
    return new AuditPolicyRule.GroupResources(group, all, Set.copyOf(exact), Set.copyOf(allSubresourcesOf),
        Set.copyOf(subresourceOfAll), names);
  }

  private static void onlyKnownFields(JsonNode object, String path, Set<String> known) {
    Iterator<String> names = object.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new AuditPolicyException(path.isEmpty() ? name : path + "." + name, "unknown field");
      }
    }
  }

  private static void requireValue(JsonNode root, String field, String expected) {
    JsonNode v = root.path(field);
    if (v.isMissingNode() || v.isNull()) {
      throw new AuditPolicyException(field, "required, must be " + quote(expected));
    }
    if (!v.isTextual() || !v.textValue().equals(expected)) {
      throw new AuditPolicyException(field, "must be " + quote(expected) + ", got " + describe(v));
    }
  }

  private static Set<AuditStage> stages(JsonNode node, String path) {
    Set<AuditStage> stages = EnumSet.noneOf(AuditStage.class);
    List<String> names = List.copyOf(strings(node, path));
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      String at = path + "[" + i + "]";
      stages.add(AuditStage.parse(name).orElseThrow(() -> new AuditPolicyException(at,
          quote(name) + " is not one of " + AuditStage.NAMES)));
    }
    return stages;
  }

  private static Set<String> strings(JsonNode node, String path) {
    return strings(node, path, false);
  }

  /** A list of strings, in order; empty strings only where {@code emptyAllowed} ("" is the cluster-scoped namespace). */
  private static Set<String> strings(JsonNode node, String path, boolean emptyAllowed) {
    if (node.isMissingNode() || node.isNull()) {
      return Set.of();
    }
    if (!node.isArray()) {
      throw new AuditPolicyException(path, "expected a list of strings, got " + describe(node));
    }
    Set<String> values = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      String v = string(node.get(i), path + "[" + i + "]");
      if (v.isEmpty() && !emptyAllowed) {
        throw new AuditPolicyException(path + "[" + i + "]", "must not be empty");
      }
      values.add(v);
    }
    return Collections.unmodifiableSet(values);
  }

  private static String string(JsonNode node, String path) {
    if (!node.isTextual()) {
      throw new AuditPolicyException(path, "expected a string, got " + describe(node));
    }
    return node.textValue();
  }

  private static boolean bool(JsonNode node, String path) {
    if (node.isMissingNode() || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw new AuditPolicyException(path, "expected true or false, got " + describe(node));
    }
    return node.booleanValue();
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return quote(node.textValue());
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "an object";
    }
    return node.toString();
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}

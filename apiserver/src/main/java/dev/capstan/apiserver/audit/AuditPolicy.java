package dev.capstan.apiserver.audit;

import dev.capstan.apiserver.authn.UserInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A compiled {@code audit.k8s.io/v1} Policy: its rules in order, the first one that matches a
 * request decides its level and the stages left out (the rule's {@code omitStages} with the
 * policy's); a request no rule matches is not audited. Rules are compiled to sets when the policy
 * is loaded, so deciding costs a few hash lookups per rule and allocates nothing. Immutable and
 * thread-safe. {@link AuditPolicyParser} reads one from YAML or JSON.
 */
public final class AuditPolicy {
  /**
   * Without a policy file: every mutating request (create, update, patch, delete,
   * deletecollection, subresources included) at Metadata, written once when it ends; reads are
   * not audited. As a file it reads:
   * <pre>
   * apiVersion: audit.k8s.io/v1
   * kind: Policy
   * omitStages: [RequestReceived, ResponseStarted]
   * rules:
   * - level: Metadata
   *   verbs: [create, update, patch, delete, deletecollection]
   * </pre>
   */
  public static final AuditPolicy DEFAULT = new AuditPolicy(List.of(new AuditPolicyRule(AuditLevel.METADATA,
      Set.of(), Set.of(), Set.of("create", "update", "patch", "delete", "deletecollection"), List.of(), Set.of(),
      List.of(), 0)), EnumSet.of(AuditStage.REQUEST_RECEIVED, AuditStage.RESPONSE_STARTED), false);

  private final List<AuditPolicyRule> rules;
  private final Decision[] decisions;
  private final boolean omitManagedFields;

  AuditPolicy(List<AuditPolicyRule> rules, Set<AuditStage> omitStages, boolean omitManagedFields) {
    this.rules = List.copyOf(rules);
    this.omitManagedFields = omitManagedFields;
    int policyOmits = 0;
    for (AuditStage s : omitStages) {
      policyOmits |= s.bit();
    }
    decisions = new Decision[this.rules.size()];
    for (int i = 0; i < decisions.length; i++) {
      AuditPolicyRule r = this.rules.get(i);
      decisions[i] = r.level() == AuditLevel.NONE ? Decision.NONE : new Decision(r.level(), r.omitStages() | policyOmits);
    }
  }

  /** Reads a policy file (YAML or JSON); a bad one fails with an {@link AuditPolicyException} naming the field. */
  public static AuditPolicy load(Path file) throws IOException {
    return AuditPolicyParser.parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** What the first matching rule says about this request; {@link Decision#NONE} when none matches. */
  public Decision decide(UserInfo user, AuditedMethod method, String namespace, String name) {
    for (int i = 0; i < decisions.length; i++) {
      if (rules.get(i).matches(user, method, namespace, name, false)) {
        return decisions[i];
      }
    }
    return Decision.NONE;
  }

  /**
   * The decision when it does not depend on the object the request names, which is known only
   * once its message arrives; null when a rule that may match names namespaces or resourceNames
   * and could still say otherwise. Lets the interceptor pass a request no rule audits untouched.
   */
  public Decision decideWithoutTarget(UserInfo user, AuditedMethod method) {
    for (int i = 0; i < decisions.length; i++) {
      AuditPolicyRule r = rules.get(i);
      if (r.targetDependent()) {
        if (r.matches(user, method, "", "", true)) {
          return null;
        }
      } else if (r.matches(user, method, "", "", false)) {
        return decisions[i];
      }
    }
    return Decision.NONE;
  }

  /** Accepted as in Kubernetes; Capstan's objects carry no managedFields, so there is nothing to omit. */
  public boolean omitManagedFields() {
    return omitManagedFields;
  }

  int ruleCount() {
    return rules.size();
  }

  /** A rule's verdict: the level and, as bits of {@link AuditStage#bit}, the stages not written. */
  public record Decision(AuditLevel level, int omittedStages) {
    public static final Decision NONE = new Decision(AuditLevel.NONE, 0);

    /** Whether an event of this stage is written. */
    public boolean writes(AuditStage stage) {
      return level != AuditLevel.NONE && (omittedStages & stage.bit()) == 0;
    }
  }
}

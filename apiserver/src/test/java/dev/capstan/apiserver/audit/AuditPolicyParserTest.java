package dev.capstan.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.apiserver.authn.UserInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading audit policies: Kubernetes' own YAML and JSON forms, and every kind of bad input named by its field. */
class AuditPolicyParserTest {
  private static final UserInfo ALICE = new UserInfo("alice", "1", List.of("dev", "system:authenticated"));

  @TempDir
  Path dir;

  /** A policy as the Kubernetes documentation writes one. */
  private static final String KUBERNETES_EXAMPLE = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      metadata:
        name: example
      omitStages:
        - "RequestReceived"
      omitManagedFields: true
      rules:
        - level: RequestResponse
          resources:
          - group: ""
            resources: ["pods"]
        - level: Metadata
          resources:
          - group: ""
            resources: ["pods/log", "pods/status"]
        - level: None
          resources:
          - group: ""
            resources: ["configmaps"]
            resourceNames: ["controller-leader"]
        - level: None
          users: ["system:kube-proxy"]
          verbs: ["watch"]
          resources:
          - group: ""
            resources: ["endpoints", "services"]
        - level: None
          userGroups: ["system:authenticated"]
          nonResourceURLs:
          - "/api*"
          - "/version"
        - level: Request
          resources:
          - group: ""
            resources: ["configmaps"]
          namespaces: ["kube-system"]
        - level: Metadata
          resources:
          - group: ""
            resources: ["secrets", "configmaps"]
        - level: Request
          resources:
          - group: ""
          - group: "extensions"
        - level: Metadata
          omitStages:
            - "RequestReceived"
      """;

  @Test
  void readsKubernetesDocumentedExample() throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, KUBERNETES_EXAMPLE);
    AuditPolicy policy = AuditPolicy.load(file);
    assertThat(policy.ruleCount()).isEqualTo(9);
    assertThat(policy.omitManagedFields()).isTrue();
    AuditPolicy.Decision pods = policy.decide(ALICE, AuditedMethod.of("get", "", "pods", ""), "default", "web");
    assertThat(pods.level()).isEqualTo(AuditLevel.REQUEST_RESPONSE);
    assertThat(pods.writes(AuditStage.RESPONSE_COMPLETE)).isTrue();
    assertThat(pods.writes(AuditStage.REQUEST_RECEIVED)).isFalse();  // the policy's omitStages apply to every rule
  }

  /** The example of docs/operations.md: credentials stay at Metadata, heartbeats are left out. */
  @Test
  void readsTheOperationsGuideExample() {
    AuditPolicy policy = AuditPolicyParser.parse("""
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        # Node heartbeats and leader election: a line every few seconds per node and controller.
        - level: None
          userGroups: [system:nodes]
          verbs: [update, patch]
          resources:
          - group: ""
            resources: [nodes/status]
          - group: coordination.k8s.io
            resources: [leases]
        - level: None
          verbs: [update]
          resources:
          - group: coordination.k8s.io
            resources: [leases]
        # Bodies that hold credentials: who and what only.
        - level: Metadata
          resources:
          - group: ""
            resources: [secrets, configmaps, serviceaccounts/token]
          - group: authentication.k8s.io
            resources: [tokenreviews]
        # Who read logs and ran commands, not the commands and their output.
        - level: Metadata
          resources:
          - group: ""
            resources: [pods/log, pods/exec]
        - level: RequestResponse
          namespaces: [prod]
          verbs: [get, list]
        - level: Request
          verbs: [create, update, patch, delete, deletecollection]
        """);
    UserInfo node = new UserInfo("system:node:n1", "", List.of("system:nodes", "system:authenticated"));
    assertThat(policy.decide(node, AuditedMethod.of("update", "", "nodes", "status"), "", "n1").level())
        .isEqualTo(AuditLevel.NONE);
    assertThat(policy.decide(ALICE, AuditedMethod.of("update", "coordination.k8s.io", "leases", ""), "kube-system",
        "kube-scheduler").level()).isEqualTo(AuditLevel.NONE);
    assertThat(policy.decide(ALICE, AuditedMethod.of("get", "", "secrets", ""), "prod", "db").level())
        .isEqualTo(AuditLevel.METADATA);
    assertThat(policy.decide(ALICE, AuditedMethod.of("create", "", "serviceaccounts", "token"), "prod", "sa").level())
        .isEqualTo(AuditLevel.METADATA);
    assertThat(policy.decide(ALICE, AuditedMethod.of("list", "", "pods", ""), "prod", "").level())
        .isEqualTo(AuditLevel.REQUEST_RESPONSE);
    assertThat(policy.decide(ALICE, AuditedMethod.of("create", "apps", "deployments", ""), "dev", "web").level())
        .isEqualTo(AuditLevel.REQUEST);
    assertThat(policy.decide(ALICE, AuditedMethod.of("get", "", "pods", "log"), "prod", "web").level())
        .isEqualTo(AuditLevel.METADATA);
    assertThat(policy.decide(ALICE, AuditedMethod.of("create", "", "pods", "exec"), "dev", "web").level())
        .isEqualTo(AuditLevel.METADATA);
    assertThat(policy.decide(ALICE, AuditedMethod.of("get", "", "pods", ""), "dev", "web").level())
        .isEqualTo(AuditLevel.NONE);
  }

  @Test
  void readsJson() {
    AuditPolicy policy = AuditPolicyParser.parse("""
        {"apiVersion": "audit.k8s.io/v1", "kind": "Policy",
         "rules": [{"level": "None", "users": ["alice"]}, {"level": "Request", "omitStages": ["ResponseStarted"]}]}
        """);
    assertThat(policy.decide(ALICE, AuditedMethod.of("create", "", "pods", ""), "default", "p").level())
        .isEqualTo(AuditLevel.NONE);
    AuditPolicy.Decision bob = policy.decide(new UserInfo("bob", "", List.of()),
        AuditedMethod.of("create", "", "pods", ""), "default", "p");
    assertThat(bob.level()).isEqualTo(AuditLevel.REQUEST);
    assertThat(bob.writes(AuditStage.RESPONSE_STARTED)).isFalse();
    assertThat(bob.writes(AuditStage.RESPONSE_COMPLETE)).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      bad level              | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: Metadata}, {level: None}, {level: Full}]}' | 'rules[2].level: "Full" is not one of None, Metadata, Request, RequestResponse'
      missing level          | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{verbs: [get]}]}'                  | 'rules[0].level: required (one of None, Metadata, Request, RequestResponse)'
      level not a string     | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: [Metadata]}]}'             | 'rules[0].level: expected a string, got a list'
      unknown policy field   | '{apiVersion: audit.k8s.io/v1, kind: Policy, rulez: [], rules: [{level: None}]}'        | 'rulez: unknown field'
      unknown rule field     | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, user: [a]}]}'        | 'rules[0].user: unknown field'
      unknown resource field | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, resources: [{groups: [apps]}]}]}' | 'rules[0].resources[0].groups: unknown field'
      wrong apiVersion       | '{apiVersion: audit.k8s.io/v1beta1, kind: Policy, rules: [{level: None}]}'              | 'apiVersion: must be "audit.k8s.io/v1", got "audit.k8s.io/v1beta1"'
      missing apiVersion     | '{kind: Policy, rules: [{level: None}]}'                                                | 'apiVersion: required, must be "audit.k8s.io/v1"'
      wrong kind             | '{apiVersion: audit.k8s.io/v1, kind: Event, rules: [{level: None}]}'                    | 'kind: must be "Policy", got "Event"'
      no rules               | '{apiVersion: audit.k8s.io/v1, kind: Policy}'                                           | 'rules: at least one rule is required'
      empty rules            | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: []}'                                | 'rules: at least one rule is required'
      rules not a list       | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: {level: None}}'                     | 'rules: expected a list, got an object'
      rule not an object     | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [Metadata]}'                        | 'rules[0]: expected an object, got "Metadata"'
      bad policy stage       | '{apiVersion: audit.k8s.io/v1, kind: Policy, omitStages: [Started], rules: [{level: None}]}' | 'omitStages[0]: "Started" is not one of RequestReceived, ResponseStarted, ResponseComplete, Panic'
      bad rule stage         | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, omitStages: [ResponseComplete, done]}]}' | 'rules[0].omitStages[1]: "done" is not one of RequestReceived, ResponseStarted, ResponseComplete, Panic'
      verbs not a list       | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, verbs: get}]}'       | 'rules[0].verbs: expected a list of strings, got "get"'
      verb a number          | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, verbs: [get, 3]}]}'  | 'rules[0].verbs[1]: expected a string, got 3'
      empty user             | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, users: [""]}]}'      | 'rules[0].users[0]: must not be empty'
      names without resources | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, resources: [{group: "", resourceNames: [a]}]}]}' | 'rules[0].resources[0].resourceNames: resourceNames need resources'
      bad resource pattern   | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, resources: [{resources: [pods, "pods/log/x"]}]}]}' | 'rules[0].resources[0].resources[1]: "pods/log/x" is not a resource pattern ("pods", "pods/log", "pods/*", "*/scale" or "*")'
      partial wildcard       | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, resources: [{resources: ["po*"]}]}]}' | 'rules[0].resources[0].resources[0]: "po*" is not a resource pattern ("pods", "pods/log", "pods/*", "*/scale" or "*")'
      bad group              | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, resources: [{group: Apps}]}]}' | 'rules[0].resources[0].group: "Apps" is not an API group ("" for the core group, "apps", "rbac.authorization.k8s.io", ...)'
      urls with resources    | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, resources: [{group: ""}], nonResourceURLs: [/healthz]}]}' | 'rules[0].nonResourceURLs: a rule cannot apply to both resources (resources, namespaces) and non-resource URLs'
      bad url                | '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, nonResourceURLs: [/ok, "/a*b"]}]}' | 'rules[0].nonResourceURLs[1]: "/a*b" must start with "/" and may have "*" only at its end'
      omitManagedFields text | '{apiVersion: audit.k8s.io/v1, kind: Policy, omitManagedFields: "yes", rules: [{level: None}]}' | 'omitManagedFields: expected true or false, got "yes"'
      metadata not an object | '{apiVersion: audit.k8s.io/v1, kind: Policy, metadata: x, rules: [{level: None}]}'      | 'metadata: expected an object, got "x"'
      not an object          | '[1, 2]'                                                                                | 'expected a Policy object with apiVersion, kind and rules'
      """)
  void badInputIsAnErrorNamingTheField(String what, String policy, String message) {
    assertThatThrownBy(() -> AuditPolicyParser.parse(policy)).isInstanceOf(AuditPolicyException.class)
        .hasMessage(message);
  }

  @Test
  void malformedYamlIsAnErrorSayingSo() {
    assertThatThrownBy(() -> AuditPolicyParser.parse("rules: [level: None")).isInstanceOf(AuditPolicyException.class)
        .hasMessageStartingWith("not valid YAML or JSON: ");
  }
}

package dev.capstan.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.apiserver.authn.UserInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Matching requests against a policy's rules, as Kubernetes' audit policy checker does: the first match decides. */
class AuditPolicyTest {
  private static final UserInfo ALICE = new UserInfo("alice", "1", List.of("dev", "system:authenticated"));
  private static final UserInfo BOB = new UserInfo("bob", "2", List.of("ops", "system:authenticated"));
  private static final UserInfo NODE = new UserInfo("system:node:n1", "", List.of("system:nodes"));
  private static final AuditedMethod GET_POD = AuditedMethod.of("get", "", "pods", "");
  private static final AuditedMethod CREATE_POD = AuditedMethod.of("create", "", "pods", "");
  private static final AuditedMethod POD_LOG = AuditedMethod.of("get", "", "pods", "log");
  private static final AuditedMethod POD_STATUS = AuditedMethod.of("update", "", "pods", "status");
  private static final AuditedMethod SCALE = AuditedMethod.of("update", "apps", "deployments", "scale");
  private static final AuditedMethod DEPLOYMENT = AuditedMethod.of("update", "apps", "deployments", "");
  private static final AuditedMethod SECRET = AuditedMethod.of("get", "", "secrets", "");
  private static final AuditedMethod NODES = AuditedMethod.of("list", "", "nodes", "");

  private static AuditPolicy policy(String rules) {
    return AuditPolicyParser.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n" + rules);
  }

  private static AuditLevel level(AuditPolicy p, UserInfo user, AuditedMethod m, String ns, String name) {
    return p.decide(user, m, ns, name).level();
  }

  @Test
  void theFirstMatchingRuleWinsAndNoMatchIsNone() {
    AuditPolicy p = policy("""
        - level: RequestResponse
          users: [alice]
        - level: Metadata
          users: [alice, bob]
        """);
    assertThat(level(p, ALICE, GET_POD, "default", "p")).isEqualTo(AuditLevel.REQUEST_RESPONSE);
    assertThat(level(p, BOB, GET_POD, "default", "p")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(p, NODE, GET_POD, "default", "p")).isEqualTo(AuditLevel.NONE);
  }

  @Test
  void usersGroupsAndVerbsMustEachContainTheRequests() {
    AuditPolicy p = policy("""
        - level: None
          userGroups: [system:nodes]
        - level: Request
          userGroups: [ops, qa]
          verbs: [create, update]
        - level: Metadata
          verbs: [get, list, watch]
        """);
    assertThat(level(p, NODE, CREATE_POD, "default", "p")).isEqualTo(AuditLevel.NONE);
    assertThat(level(p, BOB, CREATE_POD, "default", "p")).isEqualTo(AuditLevel.REQUEST);
    assertThat(level(p, BOB, GET_POD, "default", "p")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(p, ALICE, CREATE_POD, "default", "p")).isEqualTo(AuditLevel.NONE);  // not in ops: no rule
    assertThat(level(p, ALICE, GET_POD, "default", "p")).isEqualTo(AuditLevel.METADATA);
  }

  @Test
  void resourcesNameSubresourcesExactlyOrByWildcard() {
    AuditPolicy p = policy("""
        - level: RequestResponse
          resources: [{group: "", resources: [pods/log]}]
        - level: Request
          resources: [{group: "", resources: [pods]}]
        - level: Metadata
          resources: [{group: apps, resources: ["*/scale"]}]
        - level: None
          resources: [{group: apps}]
        - level: Request
          resources: [{group: "", resources: ["pods/*"]}]
        """);
    assertThat(level(p, ALICE, POD_LOG, "default", "p")).isEqualTo(AuditLevel.REQUEST_RESPONSE);
    assertThat(level(p, ALICE, GET_POD, "default", "p")).isEqualTo(AuditLevel.REQUEST);
    assertThat(level(p, ALICE, POD_STATUS, "default", "p")).isEqualTo(AuditLevel.REQUEST);  // only pods/* covers it
    assertThat(level(p, ALICE, SCALE, "default", "web")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(p, ALICE, DEPLOYMENT, "default", "web")).isEqualTo(AuditLevel.NONE);  // every apps resource
    assertThat(level(p, ALICE, SECRET, "default", "s")).isEqualTo(AuditLevel.NONE);

    AuditPolicy star = policy("""
        - level: Metadata
          resources: [{group: "", resources: ["*"]}]
        """);
    assertThat(level(star, ALICE, POD_STATUS, "default", "p")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(star, ALICE, SECRET, "default", "p")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(star, ALICE, SCALE, "default", "p")).isEqualTo(AuditLevel.NONE);  // apps, not core

    AuditPolicy podsAndSubresources = policy("""
        - level: Metadata
          resources: [{resources: ["pods/*"]}]
        """);
    assertThat(level(podsAndSubresources, ALICE, GET_POD, "default", "p")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(podsAndSubresources, ALICE, POD_LOG, "default", "p")).isEqualTo(AuditLevel.METADATA);
  }

  @Test
  void resourceNamesAndNamespacesLimitARuleToThoseObjects() {
    AuditPolicy p = policy("""
        - level: None
          resources: [{group: "", resources: [secrets], resourceNames: [noisy]}]
        - level: RequestResponse
          namespaces: [prod, ""]
        - level: Metadata
        """);
    assertThat(level(p, ALICE, SECRET, "dev", "noisy")).isEqualTo(AuditLevel.NONE);
    assertThat(level(p, ALICE, SECRET, "dev", "other")).isEqualTo(AuditLevel.METADATA);
    assertThat(level(p, ALICE, SECRET, "dev", "")).isEqualTo(AuditLevel.METADATA);  // a list names no object
    assertThat(level(p, ALICE, GET_POD, "prod", "p")).isEqualTo(AuditLevel.REQUEST_RESPONSE);
    assertThat(level(p, ALICE, NODES, "", "")).isEqualTo(AuditLevel.REQUEST_RESPONSE);  // "" is cluster-scoped
    assertThat(level(p, ALICE, GET_POD, "dev", "p")).isEqualTo(AuditLevel.METADATA);
  }

  @Test
  void nonResourceUrlRulesNeverMatchResourceRequests() {
    AuditPolicy p = policy("""
        - level: RequestResponse
          nonResourceURLs: ["/*"]
        - level: Metadata
        """);
    assertThat(level(p, ALICE, GET_POD, "default", "p")).isEqualTo(AuditLevel.METADATA);
  }

  @Test
  void decidingWithoutTheTargetAnswersOnlyWhenNoRuleLooksAtIt() {
    AuditPolicy p = policy("""
        - level: None
          verbs: [watch]
        - level: Request
          resources: [{group: "", resources: [secrets], resourceNames: [db]}]
        - level: None
          resources: [{group: "", resources: [secrets]}]
        - level: Metadata
        """);
    assertThat(p.decideWithoutTarget(ALICE, AuditedMethod.of("watch", "", "secrets", "")))
        .isSameAs(AuditPolicy.Decision.NONE);
    assertThat(p.decideWithoutTarget(ALICE, SECRET)).isNull();  // the db rule may match once the name is known
    assertThat(p.decide(ALICE, SECRET, "default", "db").level()).isEqualTo(AuditLevel.REQUEST);
    assertThat(p.decide(ALICE, SECRET, "default", "other").level()).isEqualTo(AuditLevel.NONE);
    assertThat(p.decideWithoutTarget(ALICE, GET_POD).level()).isEqualTo(AuditLevel.METADATA);
  }

  @Test
  void stagesLeftOutAreTheRulesAndThePolicys() {
    AuditPolicy p = AuditPolicyParser.parse("""
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        - level: Metadata
          users: [alice]
          omitStages: [ResponseStarted]
        - level: Metadata
        """);
    AuditPolicy.Decision alice = p.decide(ALICE, POD_LOG, "default", "p");
    assertThat(alice.writes(AuditStage.RESPONSE_STARTED)).isFalse();
    assertThat(alice.writes(AuditStage.REQUEST_RECEIVED)).isFalse();
    assertThat(alice.writes(AuditStage.RESPONSE_COMPLETE)).isTrue();
    AuditPolicy.Decision bob = p.decide(BOB, POD_LOG, "default", "p");
    assertThat(bob.writes(AuditStage.RESPONSE_STARTED)).isTrue();
    assertThat(AuditPolicy.Decision.NONE.writes(AuditStage.RESPONSE_COMPLETE)).isFalse();
  }

  @Test
  void theDefaultAuditsMutatingRequestsAtMetadataOnceWhenTheyEnd() {
    AuditPolicy p = AuditPolicy.DEFAULT;
    for (AuditedMethod m : List.of(CREATE_POD, POD_STATUS, SCALE, AuditedMethod.of("create", "", "pods", "exec"),
        AuditedMethod.of("delete", "", "pods", ""), AuditedMethod.of("deletecollection", "", "pods", ""),
        AuditedMethod.of("patch", "apps", "deployments", ""))) {
      AuditPolicy.Decision d = p.decideWithoutTarget(ALICE, m);
      assertThat(d.level()).as(m.toString()).isEqualTo(AuditLevel.METADATA);
      assertThat(d.writes(AuditStage.RESPONSE_COMPLETE)).isTrue();
      assertThat(d.writes(AuditStage.RESPONSE_STARTED)).isFalse();
    }
    for (AuditedMethod m : List.of(GET_POD, POD_LOG, NODES, AuditedMethod.of("watch", "", "pods", ""))) {
      assertThat(p.decideWithoutTarget(ALICE, m)).as(m.toString()).isSameAs(AuditPolicy.Decision.NONE);
    }
  }
}

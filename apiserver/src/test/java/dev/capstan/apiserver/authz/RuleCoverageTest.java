package dev.capstan.apiserver.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.rbac.v1.PolicyRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleCoverageTest {
  private static PolicyRule rule(List<String> verbs, List<String> groups, List<String> resources) {
    return PolicyRule.newBuilder().addAllVerbs(verbs).addAllApiGroups(groups).addAllResources(resources).build();
  }

  private static PolicyRule named(List<String> verbs, List<String> groups, List<String> resources,
      List<String> names) {
    return rule(verbs, groups, resources).toBuilder().addAllResourceNames(names).build();
  }

  private static PolicyRule urls(List<String> verbs, List<String> urls) {
    return PolicyRule.newBuilder().addAllVerbs(verbs).addAllNonResourceUrls(urls).build();
  }

  @Test
  void heldVerbsGroupsAndResourcesCoverTheirSubsetsOnly() {
    List<PolicyRule> held = List.of(rule(List.of("get", "list"), List.of("", "apps"), List.of("pods", "deployments")));

    assertThat(RuleCoverage.covers(held, List.of(rule(List.of("get"), List.of(""), List.of("pods"))))).isTrue();
    assertThat(RuleCoverage.covers(held, List.of(rule(List.of("get", "list"), List.of("apps"),
        List.of("deployments", "pods"))))).isTrue();
    assertThat(RuleCoverage.uncovered(held, List.of(rule(List.of("get", "delete"), List.of(""), List.of("pods")))))
        .containsExactly(rule(List.of("delete"), List.of(""), List.of("pods")));
    assertThat(RuleCoverage.uncovered(held, List.of(rule(List.of("get"), List.of("batch"), List.of("pods")))))
        .containsExactly(rule(List.of("get"), List.of("batch"), List.of("pods")));
    assertThat(RuleCoverage.uncovered(held, List.of(rule(List.of("get"), List.of(""), List.of("secrets")))))
        .containsExactly(rule(List.of("get"), List.of(""), List.of("secrets")));
  }

  @Test
  void rulesHeldTogetherCoverWhatNoneCoversAlone() {
    List<PolicyRule> held = List.of(rule(List.of("get"), List.of(""), List.of("pods")),
        rule(List.of("list"), List.of(""), List.of("pods")));

    assertThat(RuleCoverage.covers(held, List.of(rule(List.of("get", "list"), List.of(""), List.of("pods")))))
        .isTrue();
  }

  @Test
  void wildcardsCoverEverythingButAWantedWildcardNeedsAHeldOne() {
    List<PolicyRule> all = List.of(rule(List.of("*"), List.of("*"), List.of("*")));
    List<PolicyRule> many = List.of(rule(List.of("get", "list", "watch", "create", "update", "patch", "delete"),
        List.of(""), List.of("pods")));

    assertThat(RuleCoverage.covers(all, List.of(rule(List.of("escalate"), List.of("rbac.authorization.k8s.io"),
        List.of("clusterroles"), "x")))).isTrue();
    assertThat(RuleCoverage.covers(all, List.of(rule(List.of("get"), List.of(""), List.of("pods/log"))))).isTrue();
    assertThat(RuleCoverage.uncovered(many, List.of(rule(List.of("*"), List.of(""), List.of("pods")))))
        .containsExactly(rule(List.of("*"), List.of(""), List.of("pods")));
    assertThat(RuleCoverage.covers(many, List.of(rule(List.of("get"), List.of("*"), List.of("pods"))))).isFalse();
    assertThat(RuleCoverage.covers(many, List.of(rule(List.of("get"), List.of(""), List.of("*"))))).isFalse();
  }

  private static PolicyRule rule(List<String> verbs, List<String> groups, List<String> resources, String name) {
    return named(verbs, groups, resources, List.of(name));
  }

  @Test
  void subresourcesNeedTheirOwnRuleOrAStarSlashRule() {
    List<PolicyRule> pods = List.of(rule(List.of("get"), List.of(""), List.of("pods")));
    List<PolicyRule> everyLog = List.of(rule(List.of("get"), List.of(""), List.of("*/log")));
    List<PolicyRule> podLogs = List.of(rule(List.of("get"), List.of(""), List.of("pods/log")));
    PolicyRule wantLog = rule(List.of("get"), List.of(""), List.of("pods/log"));

    assertThat(RuleCoverage.covers(pods, List.of(wantLog))).isFalse();
    assertThat(RuleCoverage.covers(podLogs, List.of(wantLog))).isTrue();
    assertThat(RuleCoverage.covers(everyLog, List.of(wantLog))).isTrue();
    assertThat(RuleCoverage.covers(everyLog, List.of(rule(List.of("get"), List.of(""), List.of("pods/exec")))))
        .isFalse();
    assertThat(RuleCoverage.covers(podLogs, pods)).isFalse();
  }

  @Test
  void heldResourceNamesCoverOnlyThoseNamesAndNeverAllNames() {
    List<PolicyRule> some = List.of(named(List.of("get"), List.of(""), List.of("configmaps"), List.of("a", "b")));
    List<PolicyRule> any = List.of(rule(List.of("get"), List.of(""), List.of("configmaps")));

    assertThat(RuleCoverage.covers(some, List.of(named(List.of("get"), List.of(""), List.of("configmaps"),
        List.of("b", "a"))))).isTrue();
    assertThat(RuleCoverage.uncovered(some, List.of(named(List.of("get"), List.of(""), List.of("configmaps"),
        List.of("a", "c"))))).containsExactly(named(List.of("get"), List.of(""), List.of("configmaps"), List.of("c")));
    assertThat(RuleCoverage.covers(some, List.of(rule(List.of("get"), List.of(""), List.of("configmaps")))))
        .isFalse();
    assertThat(RuleCoverage.covers(any, List.of(named(List.of("get"), List.of(""), List.of("configmaps"),
        List.of("x"))))).isTrue();
  }

  @Test
  void nonResourceUrlsAreCoveredExactlyOrByAPrefixEndingInAStar() {
    List<PolicyRule> held = List.of(urls(List.of("get"), List.of("/healthz", "/metrics/*")));

    assertThat(RuleCoverage.covers(held, List.of(urls(List.of("get"), List.of("/healthz"))))).isTrue();
    assertThat(RuleCoverage.covers(held, List.of(urls(List.of("get"), List.of("/metrics/cadvisor"))))).isTrue();
    assertThat(RuleCoverage.uncovered(held, List.of(urls(List.of("get", "post"), List.of("/healthz", "/version")))))
        .containsExactly(urls(List.of("post"), List.of("/healthz")), urls(List.of("get"), List.of("/version")),
            urls(List.of("post"), List.of("/version")));
    assertThat(RuleCoverage.covers(List.of(urls(List.of("*"), List.of("*"))),
        List.of(urls(List.of("get"), List.of("/anything"))))).isTrue();
  }

  @Test
  void resourceRulesNeverCoverNonResourceUrlsNorTheOtherWayRound() {
    List<PolicyRule> resources = List.of(rule(List.of("*"), List.of("*"), List.of("*")));
    List<PolicyRule> nonResource = List.of(urls(List.of("*"), List.of("*")));

    assertThat(RuleCoverage.covers(resources, List.of(urls(List.of("get"), List.of("/healthz"))))).isFalse();
    assertThat(RuleCoverage.covers(nonResource, List.of(rule(List.of("get"), List.of(""), List.of("pods")))))
        .isFalse();
  }

  @Test
  void nothingWantedIsAlwaysCovered() {
    assertThat(RuleCoverage.covers(List.of(), List.of())).isTrue();
  }

  @Test
  void missingRulesAreCompactedAndWrittenAsKubernetesDoes() {
    List<PolicyRule> missing = RuleCoverage.uncovered(List.of(), List.of(
        rule(List.of("get", "list"), List.of(""), List.of("secrets", "pods")),
        named(List.of("update"), List.of("apps"), List.of("deployments"), List.of("web")),
        urls(List.of("get"), List.of("/healthz"))));

    assertThat(CompactRules.describe(missing)).isEqualTo(
        "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}; "
            + "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}; "
            + "{APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"web\"], Verbs:[\"update\"]}; "
            + "{NonResourceURLs:[\"/healthz\"], Verbs:[\"get\"]}");
  }
}

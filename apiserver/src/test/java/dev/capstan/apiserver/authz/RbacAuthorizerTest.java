package dev.capstan.apiserver.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RbacAuthorizerTest {
  private static final UserInfo ALICE = new UserInfo("alice", "1", List.of("dev", UserInfo.SYSTEM_AUTHENTICATED));
  private static final UserInfo BOB = new UserInfo("bob", "2", List.of(UserInfo.SYSTEM_AUTHENTICATED));
  private final PolicyIndex policy = new PolicyIndex();
  private final RbacAuthorizer authz = new RbacAuthorizer(policy);

  private static RequestAttributes req(UserInfo u, String verb, String group, String resource, String sub,
      String ns, String name) {
    return new RequestAttributes(u, verb, group, resource, sub, ns, name);
  }

  private static PolicyRule rule(List<String> verbs, List<String> groups, List<String> resources, List<String> names) {
    return PolicyRule.newBuilder().addAllVerbs(verbs).addAllApiGroups(groups).addAllResources(resources)
        .addAllResourceNames(names).build();
  }

  private static Subject user(String name) {
    return Subject.newBuilder().setKind("User").setApiGroup("rbac.authorization.k8s.io").setName(name).build();
  }

  private static Subject group(String name) {
    return Subject.newBuilder().setKind("Group").setApiGroup("rbac.authorization.k8s.io").setName(name).build();
  }

  private static RoleRef ref(String kind, String name) {
    return RoleRef.newBuilder().setApiGroup("rbac.authorization.k8s.io").setKind(kind).setName(name).build();
  }

  private void role(String ns, String name, PolicyRule... rules) {
    policy.putRole(Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
        .addAllRules(List.of(rules)).build());
  }

  private void clusterRole(String name, PolicyRule... rules) {
    policy.put(ClusterRole.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
        .addAllRules(List.of(rules)).build());
  }

  private void roleBinding(String ns, String name, RoleRef ref, Subject... subjects) {
    policy.put(RoleBinding.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
        .setRoleRef(ref).addAllSubjects(List.of(subjects)).build());
  }

  private void clusterRoleBinding(String name, RoleRef ref, Subject... subjects) {
    policy.put(ClusterRoleBinding.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
        .setRoleRef(ref).addAllSubjects(List.of(subjects)).build());
  }

  @Test
  void nothingIsAllowedWithoutBindings() {
    assertThat(authz.allows(req(ALICE, "get", "", "pods", "", "default", "p"))).isFalse();
  }

  @Test
  void aRoleBindingGrantsOnlyInItsNamespace() {
    role("team", "pod-reader", rule(List.of("get", "list", "watch"), List.of(""), List.of("pods"), List.of()));
    roleBinding("team", "alice-reads", ref("Role", "pod-reader"), user("alice"));

    assertThat(authz.allows(req(ALICE, "list", "", "pods", "", "team", ""))).isTrue();
    assertThat(authz.allows(req(ALICE, "get", "", "pods", "", "team", "p"))).isTrue();
    assertThat(authz.allows(req(ALICE, "list", "", "pods", "", "other", ""))).isFalse();
    assertThat(authz.allows(req(ALICE, "list", "", "pods", "", "", ""))).as("all namespaces").isFalse();
    assertThat(authz.allows(req(ALICE, "delete", "", "pods", "", "team", "p"))).as("verb").isFalse();
    assertThat(authz.allows(req(ALICE, "get", "", "configmaps", "", "team", "c"))).as("resource").isFalse();
    assertThat(authz.allows(req(ALICE, "get", "apps", "pods", "", "team", "p"))).as("group").isFalse();
    assertThat(authz.allows(req(ALICE, "update", "", "pods", "status", "team", "p"))).as("subresource").isFalse();
    assertThat(authz.allows(req(BOB, "list", "", "pods", "", "team", ""))).as("other user").isFalse();
  }

  @Test
  void aRoleBindingToAClusterRoleGrantsItsRulesInTheBindingsNamespaceOnly() {
    clusterRole("edit", rule(List.of("*"), List.of("", "apps"), List.of("*"), List.of()));
    roleBinding("team", "devs-edit", ref("ClusterRole", "edit"), group("dev"));

    assertThat(authz.allows(req(ALICE, "create", "apps", "deployments", "", "team", "d"))).isTrue();
    assertThat(authz.allows(req(ALICE, "update", "", "pods", "status", "team", "p"))).isTrue();
    assertThat(authz.allows(req(ALICE, "create", "apps", "deployments", "", "default", "d"))).isFalse();
    assertThat(authz.allows(req(ALICE, "get", "", "nodes", "", "", "n1"))).as("cluster-scoped").isFalse();
    assertThat(authz.allows(req(BOB, "create", "apps", "deployments", "", "team", "d"))).isFalse();
  }

  @Test
  void aClusterRoleBindingGrantsEverywhereAndOnClusterScopedResources() {
    clusterRole("node-reader", rule(List.of("get", "list"), List.of(""), List.of("nodes", "pods"), List.of()));
    clusterRoleBinding("bob-reads", ref("ClusterRole", "node-reader"), user("bob"));

    assertThat(authz.allows(req(BOB, "get", "", "nodes", "", "", "n1"))).isTrue();
    assertThat(authz.allows(req(BOB, "list", "", "pods", "", "", ""))).isTrue();
    assertThat(authz.allows(req(BOB, "list", "", "pods", "", "anywhere", ""))).isTrue();
    assertThat(authz.allows(req(BOB, "delete", "", "nodes", "", "", "n1"))).isFalse();
  }

  @Test
  void wildcardsCoverVerbsGroupsResourcesAndSubresources() {
    clusterRole("all", rule(List.of("*"), List.of("*"), List.of("*"), List.of()));
    clusterRole("statuses", rule(List.of("update"), List.of("*"), List.of("*/status"), List.of()));
    clusterRoleBinding("alice-all", ref("ClusterRole", "all"), user("alice"));
    clusterRoleBinding("bob-statuses", ref("ClusterRole", "statuses"), user("bob"));

    assertThat(authz.allows(req(ALICE, "delete", "rbac.authorization.k8s.io", "clusterroles", "", "", "x"))).isTrue();
    assertThat(authz.allows(req(ALICE, "update", "apps", "deployments", "scale", "ns", "d"))).isTrue();
    assertThat(authz.allows(req(BOB, "update", "", "pods", "status", "ns", "p"))).isTrue();
    assertThat(authz.allows(req(BOB, "update", "apps", "deployments", "status", "ns", "d"))).isTrue();
    assertThat(authz.allows(req(BOB, "update", "", "pods", "", "ns", "p"))).isFalse();
    assertThat(authz.allows(req(BOB, "update", "apps", "deployments", "scale", "ns", "d"))).isFalse();
  }

  @Test
  void resourceNamesLimitARuleToNamedObjects() {
    role("team", "one-config", rule(List.of("get", "update", "list"), List.of(""), List.of("configmaps"),
        List.of("settings")));
    roleBinding("team", "alice-one", ref("Role", "one-config"), user("alice"));

    assertThat(authz.allows(req(ALICE, "get", "", "configmaps", "", "team", "settings"))).isTrue();
    assertThat(authz.allows(req(ALICE, "update", "", "configmaps", "", "team", "settings"))).isTrue();
    assertThat(authz.allows(req(ALICE, "get", "", "configmaps", "", "team", "secrets"))).isFalse();
    assertThat(authz.allows(req(ALICE, "list", "", "configmaps", "", "team", ""))).as("no name: a list").isFalse();
  }

  @Test
  void resourceNamesNeverAllowACreateButDoAllowASubresourceCreateOfTheNamedObject() {
    role("team", "one-config", rule(List.of("create"), List.of(""), List.of("configmaps", "pods/binding"),
        List.of("settings")));
    roleBinding("team", "alice-one", ref("Role", "one-config"), user("alice"));

    AccessRequest create = new AccessRequest(Kinds.CONFIG_MAP, AccessRequest.CREATE, "", "team", "settings",
        Optional::empty);
    assertThat(RequestAttributes.of(ALICE, create).name()).isEmpty();
    assertThat(authz.allows(RequestAttributes.of(ALICE, create))).as("a create has no name yet").isFalse();
    AccessRequest bind = new AccessRequest(Kinds.POD, AccessRequest.CREATE, "binding", "team", "settings",
        Optional::empty);
    assertThat(authz.allows(RequestAttributes.of(ALICE, bind))).as("pods/binding of the named pod").isTrue();

    clusterRole("creator", rule(List.of("create"), List.of(""), List.of("configmaps"), List.of()));
    roleBinding("team", "alice-creates", ref("ClusterRole", "creator"), user("alice"));
    assertThat(authz.allows(RequestAttributes.of(ALICE, create))).isTrue();
  }

  @Test
  void aBindingToAMissingRoleOrARoleOfAnotherNamespaceGrantsNothing() {
    role("elsewhere", "reader", rule(List.of("get"), List.of(""), List.of("pods"), List.of()));
    roleBinding("team", "dangling", ref("Role", "reader"), user("alice"));
    clusterRoleBinding("dangling-cluster", ref("ClusterRole", "gone"), user("alice"));

    assertThat(authz.allows(req(ALICE, "get", "", "pods", "", "team", "p"))).isFalse();
    assertThat(authz.allows(req(ALICE, "get", "", "pods", "", "elsewhere", "p"))).isFalse();
  }

  @Test
  void removingABindingRevokesAccess() {
    clusterRole("reader", rule(List.of("get"), List.of(""), List.of("pods"), List.of()));
    ClusterRoleBinding b = ClusterRoleBinding.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("b"))
        .setRoleRef(ref("ClusterRole", "reader")).addSubjects(user("alice")).build();
    policy.put(b);
    assertThat(authz.allows(req(ALICE, "get", "", "pods", "", "x", "p"))).isTrue();
    policy.remove(b);
    assertThat(authz.allows(req(ALICE, "get", "", "pods", "", "x", "p"))).isFalse();
  }

  @Test
  void serviceAccountSubjectsMatchTheirUserName() {
    clusterRole("reader", rule(List.of("get"), List.of(""), List.of("pods"), List.of()));
    roleBinding("team", "sa", ref("ClusterRole", "reader"),
        Subject.newBuilder().setKind("ServiceAccount").setName("builder").build());
    UserInfo sa = new UserInfo("system:serviceaccount:team:builder", "3", List.of());
    assertThat(authz.allows(req(sa, "get", "", "pods", "", "team", "p"))).isTrue();
    assertThat(authz.allows(req(sa, "get", "", "pods", "", "other", "p"))).isFalse();
  }

  @Test
  void theBootstrapPolicyLetsMastersDoAnythingAndComponentsWhatTheyNeed() {
    BootstrapPolicy.clusterRoles().forEach(policy::put);
    BootstrapPolicy.clusterRoleBindings().forEach(policy::put);
    UserInfo admin = new UserInfo("admin", "0", List.of(UserInfo.SYSTEM_MASTERS));
    UserInfo scheduler = new UserInfo(BootstrapPolicy.SCHEDULER, "s", List.of());
    UserInfo node = new UserInfo("system:node:n1", "n", List.of(UserInfo.SYSTEM_NODES));

    assertThat(authz.allows(req(admin, "delete", "rbac.authorization.k8s.io", "clusterroles", "", "", "x"))).isTrue();
    assertThat(authz.allows(req(scheduler, "create", "", "pods", "binding", "default", "p"))).isTrue();
    assertThat(authz.allows(req(scheduler, "delete", "", "pods", "", "default", "p"))).isFalse();
    assertThat(authz.allows(req(node, "update", "", "pods", "status", "default", "p"))).isTrue();
    assertThat(authz.allows(req(node, "create", "", "pods", "", "default", "p"))).isFalse();
    assertThat(authz.allows(req(node, "create", "apps", "deployments", "", "default", "d"))).isFalse();
    for (String verb : List.of("get", "list", "watch")) {
      assertThat(authz.allows(req(node, verb, "", "secrets", "", "default", "s"))).as("node " + verb).isTrue();
      assertThat(authz.allows(req(node, verb, "", "configmaps", "", "default", "c"))).as("node " + verb).isTrue();
    }
    assertThat(authz.allows(req(node, "update", "", "secrets", "", "default", "s"))).isFalse();
    assertThat(authz.allows(req(admin, "create", "", "secrets", "", "default", "s"))).isTrue();
  }

  @Test
  void theControllerManagerRunsDaemonSetsAndStatefulSets() {
    BootstrapPolicy.clusterRoles().forEach(policy::put);
    BootstrapPolicy.clusterRoleBindings().forEach(policy::put);
    UserInfo manager = new UserInfo(BootstrapPolicy.CONTROLLER_MANAGER, "c", List.of());
    for (String resource : List.of("daemonsets", "statefulsets")) {
      assertThat(authz.allows(req(manager, "watch", "apps", resource, "", "", ""))).as(resource).isTrue();
      assertThat(authz.allows(req(manager, "update", "apps", resource, "status", "default", "x"))).as(resource).isTrue();
    }
    assertThat(authz.allows(req(manager, "watch", "", "nodes", "", "", ""))).isTrue();
  }

  @Test
  void theControllerManagerRunsJobsAndCronJobs() {
    BootstrapPolicy.clusterRoles().forEach(policy::put);
    BootstrapPolicy.clusterRoleBindings().forEach(policy::put);
    UserInfo controllers = new UserInfo(BootstrapPolicy.CONTROLLER_MANAGER, "c", List.of());
    assertThat(authz.allows(req(controllers, "create", "batch", "jobs", "", "default", "j"))).isTrue();
    assertThat(authz.allows(req(controllers, "update", "batch", "jobs", "status", "default", "j"))).isTrue();
    assertThat(authz.allows(req(controllers, "update", "batch", "cronjobs", "status", "default", "c"))).isTrue();
    assertThat(authz.allows(req(controllers, "delete", "batch", "jobs", "", "default", "j"))).isTrue();
  }

  @Test
  void theControllerManagerRunsTheNodeLifecycle() {
    BootstrapPolicy.clusterRoles().forEach(policy::put);
    BootstrapPolicy.clusterRoleBindings().forEach(policy::put);
    UserInfo manager = new UserInfo(BootstrapPolicy.CONTROLLER_MANAGER, "c", List.of());
    assertThat(authz.allows(req(manager, "update", "", "nodes", "status", "", "n1"))).isTrue();
    assertThat(authz.allows(req(manager, "update", "", "nodes", "", "", "n1"))).as("taints").isTrue();
    assertThat(authz.allows(req(manager, "delete", "", "pods", "", "default", "p"))).isTrue();
    assertThat(authz.allows(req(manager, "update", "", "pods", "status", "default", "p"))).isTrue();
    assertThat(authz.allows(req(manager, "watch", "coordination.k8s.io", "leases", "", "", ""))).isTrue();
    assertThat(authz.allows(req(manager, "delete", "", "nodes", "", "", "n1"))).isFalse();
  }

  @Test
  void theControllerManagerRunsThePodGarbageCollector() {
    BootstrapPolicy.clusterRoles().forEach(policy::put);
    BootstrapPolicy.clusterRoleBindings().forEach(policy::put);
    UserInfo manager = new UserInfo(BootstrapPolicy.CONTROLLER_MANAGER, "c", List.of());
    assertThat(authz.allows(req(manager, "list", "", "pods", "", "", ""))).isTrue();
    assertThat(authz.allows(req(manager, "delete", "", "pods", "", "any-namespace", "p"))).isTrue();
    assertThat(authz.allows(req(manager, "get", "", "nodes", "", "", "gone"))).as("confirms a node is gone").isTrue();
    assertThat(authz.allows(req(manager, "watch", "", "nodes", "", "", ""))).isTrue();
  }
}

package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.authz.BootstrapPolicy;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RBAC escalation prevention through a real apiserver on an in-process store, with token users:
 * alice is the admin of namespace "team" (a RoleBinding to the default ClusterRole admin), ops is
 * bound to cluster-admin by a ClusterRoleBinding (not in system:masters), bob has nothing.
 */
class RbacEscalationTest {
  private static final String RBAC = "rbac.authorization.k8s.io";
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      alice-token,alice,1001,"dev"
      bob-token,bob,1002
      ops-token,ops,1003
      """;
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient admin;
  private CapstanClient alice;
  private CapstanClient bob;
  private CapstanClient ops;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    String target = "127.0.0.1:" + server.port();
    admin = CapstanClient.connect(target, "admin-token");
    alice = CapstanClient.connect(target, "alice-token");
    bob = CapstanClient.connect(target, "bob-token");
    ops = CapstanClient.connect(target, "ops-token");
    admin.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team")).build());
    admin.roleBindings().create(roleBinding("alice-admin", "ClusterRole", BootstrapPolicy.ADMIN, user("alice")));
    admin.clusterRoleBindings().create(ClusterRoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("ops-cluster-admin")).addSubjects(user("ops"))
        .setRoleRef(ref("ClusterRole", BootstrapPolicy.CLUSTER_ADMIN)).build());
    // The apiserver authorizes from its caches: wait until both bindings are in effect.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(alice.roles().list("team").items()).isEmpty();
      assertThat(ops.clusterRoles().get("", BootstrapPolicy.VIEW).getRulesCount()).isPositive();
    });
  }

  @AfterEach
  void stop() {
    for (CapstanClient c : new CapstanClient[] {admin, alice, bob, ops}) {
      c.close();
    }
    server.close();
    store.close();
  }

  private static Subject user(String name) {
    return Subject.newBuilder().setKind("User").setApiGroup(RBAC).setName(name).build();
  }

  private static RoleRef ref(String kind, String name) {
    return RoleRef.newBuilder().setApiGroup(RBAC).setKind(kind).setName(name).build();
  }

  private static RoleBinding roleBinding(String name, String kind, String role, Subject subject) {
    return RoleBinding.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName(name))
        .addSubjects(subject).setRoleRef(ref(kind, role)).build();
  }

  private static Role role(String name, PolicyRule... rules) {
    return Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName(name))
        .addAllRules(List.of(rules)).build();
  }

  private static PolicyRule rule(String group, String resource, String... verbs) {
    return PolicyRule.newBuilder().addApiGroups(group).addResources(resource).addAllVerbs(List.of(verbs)).build();
  }

  private static StatusRuntimeException failure(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("the call fails").isNotNull();
    return e;
  }

  /** Lets alice do more in "team", through admin, and waits until she may. */
  private void grantAliceInTeam(String name, PolicyRule rule) {
    admin.roles().create(role(name, rule));
    admin.roleBindings().create(roleBinding(name, "Role", name, user("alice")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(admin.roleBindings().list("team").items()).anyMatch(b -> b.getMetadata().getName().equals(name)));
  }

  @Test
  void aNamespaceAdminCanBindViewInItsNamespace() {
    alice.roleBindings().create(roleBinding("bob-view", "ClusterRole", BootstrapPolicy.VIEW, user("bob")));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(bob.pods().list("team").items()).isEmpty());
    assertThat(failure(() -> bob.secrets().list("team")).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    // and edit, and a Role of her own with rules she holds
    alice.roleBindings().create(roleBinding("bob-edit", "ClusterRole", BootstrapPolicy.EDIT, user("bob")));
    alice.roles().create(role("pod-reader", rule("", "pods", "get", "list", "watch"),
        rule("", "pods/log", "get")));
  }

  @Test
  void aNamespaceAdminCannotCreateOrWidenARoleWithAVerbItLacks() {
    StatusRuntimeException denied = failure(() -> alice.roles().create(role("approver",
        rule("", "pods", "get", "approve"))));

    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).isEqualTo("roles.rbac.authorization.k8s.io \"approver\" is"
        + " forbidden: user \"alice\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC"
        + " permissions not currently held: {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"approve\"]}");
    assertThat(failure(() -> alice.roles().get("team", "approver")).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);

    // Nor by Update or Patch of a Role she may hold, nor in another namespace she does not administer.
    Role reader = alice.roles().create(role("reader", rule("", "pods", "get")));
    assertThat(failure(() -> alice.roles().update(reader.toBuilder().setRules(0, rule("", "nodes", "get")).build()))
        .getStatus().getDescription()).contains("{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}");
    assertThat(failure(() -> alice.roles().patch("team", "reader",
        "{\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"*\"]}]}")).getStatus()
        .getDescription()).contains("not currently held: {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"*\"]}");
    assertThat(alice.roles().get("team", "reader").getRulesList()).containsExactly(rule("", "pods", "get"));
    // A change of labels only, with rules she holds, is fine.
    alice.roles().patch("team", "reader", "{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}");
  }

  @Test
  void escalateOnRolesLetsANamespaceAdminCreateRolesBeyondItsOwnRights() {
    grantAliceInTeam("escalator", rule(RBAC, "roles", "escalate"));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> alice.roles().create(role("approver",
        rule("", "pods", "get", "approve"))));
    assertThat(alice.roles().get("team", "approver").getRulesList()).containsExactly(rule("", "pods", "get", "approve"));
    // escalate is not bind: binding that role to someone still needs its rules (or bind)
    assertThat(failure(() -> alice.roleBindings().create(roleBinding("bob-approver", "Role", "approver",
        user("bob")))).getStatus().getDescription()).contains("Verbs:[\"approve\"]");
  }

  @Test
  void aNamespaceAdminCannotBindClusterAdminNorARoleThatDoesNotExist() {
    StatusRuntimeException denied = failure(() -> alice.roleBindings().create(roleBinding("bob-root", "ClusterRole",
        BootstrapPolicy.CLUSTER_ADMIN, user("bob"))));

    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).startsWith("rolebindings.rbac.authorization.k8s.io \"bob-root\""
        + " is forbidden: user \"alice\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC"
        + " permissions not currently held: {APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}");

    StatusRuntimeException missing = failure(() -> alice.roleBindings().create(roleBinding("ghost", "ClusterRole",
        "no-such-role", user("bob"))));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(missing.getStatus().getDescription()).contains("clusterroles.rbac.authorization.k8s.io"
        + " \"no-such-role\"", "does not exist");

    // Nor by adding herself to a binding of cluster-admin that the cluster's admin made in her namespace.
    RoleBinding root = admin.roleBindings().create(roleBinding("root", "ClusterRole", BootstrapPolicy.CLUSTER_ADMIN,
        user("ops")));
    StatusRuntimeException widened = failure(() -> alice.roleBindings().update(root.toBuilder()
        .addSubjects(user("alice")).build()));
    assertThat(widened.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(widened.getStatus().getDescription()).contains("rolebindings.rbac.authorization.k8s.io \"root\"",
        "not currently held");
    assertThat(admin.roleBindings().get("team", "root").getSubjectsList()).containsExactly(user("ops"));
  }

  @Test
  void bindOnClusterAdminLetsANamespaceAdminBindItInItsNamespace() {
    grantAliceInTeam("binder", PolicyRule.newBuilder().addApiGroups(RBAC).addResources("clusterroles")
        .addResourceNames(BootstrapPolicy.CLUSTER_ADMIN).addVerbs("bind").build());

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> alice.roleBindings().create(roleBinding("bob-root",
        "ClusterRole", BootstrapPolicy.CLUSTER_ADMIN, user("bob"))));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(bob.secrets().list("team").items())
        .isEmpty());
    // bind names one role: another one beyond her still needs its rules
    admin.clusterRoles().create(ClusterRole.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("nodes"))
        .addRules(rule("", "nodes", "get")).build());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(failure(() -> alice.roleBindings()
        .create(roleBinding("bob-nodes", "ClusterRole", "nodes", user("bob")))).getStatus().getDescription())
        .contains("is attempting to grant RBAC permissions not currently held"));
  }

  @Test
  void clusterAdminsMayGrantAnything() {
    ClusterRole everything = ClusterRole.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("everything"))
        .addRules(rule("*", "*", "*"))
        .addRules(PolicyRule.newBuilder().addNonResourceUrls("/healthz").addVerbs("get")).build();

    // bound to cluster-admin by a ClusterRoleBinding: it holds every rule
    ops.clusterRoles().create(everything);
    ops.clusterRoleBindings().create(ClusterRoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("bob-everything")).addSubjects(user("bob"))
        .setRoleRef(ref("ClusterRole", "everything")).build());
    ops.roleBindings().create(roleBinding("anything", "ClusterRole", "not-yet-there", user("bob")));
    // system:masters
    admin.clusterRoles().patch("", "everything", "{\"rules\":[{\"apiGroups\":[\"x\"],\"resources\":[\"y\"],"
        + "\"verbs\":[\"z\"]}]}");
    admin.clusterRoleBindings().create(ClusterRoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("bob-root")).addSubjects(user("bob"))
        .setRoleRef(ref("ClusterRole", BootstrapPolicy.CLUSTER_ADMIN)).build());

    assertThat(admin.clusterRoles().get("", "everything").getRulesList()).containsExactly(rule("x", "y", "z"));
  }

  @Test
  void someoneWithoutRightsOnRbacObjectsIsStoppedByAuthorizationFirst() {
    StatusRuntimeException denied = failure(() -> bob.roles().create(role("r", rule("", "pods", "get"))));

    assertThat(denied.getStatus().getDescription()).isEqualTo("roles.rbac.authorization.k8s.io \"r\" is forbidden:"
        + " User \"bob\" cannot create resource \"roles\" in API group \"rbac.authorization.k8s.io\" in the"
        + " namespace \"team\"");
  }
}

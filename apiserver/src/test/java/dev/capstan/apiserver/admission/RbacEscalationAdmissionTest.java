package dev.capstan.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.api.rbac.v1.Subject;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.authz.PolicyIndex;
import dev.capstan.apiserver.authz.RbacAuthorizer;
import dev.capstan.apiserver.authz.RuleResolver;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RbacEscalationAdmissionTest {
  private static final String RBAC = "rbac.authorization.k8s.io";
  private static final UserInfo CAROL = new UserInfo("carol", "3", List.of(UserInfo.SYSTEM_AUTHENTICATED));
  private static final UserInfo MASTER = new UserInfo("root", "0", List.of(UserInfo.SYSTEM_MASTERS));
  private final PolicyIndex policy = new PolicyIndex();
  private final AtomicReference<UserInfo> caller = new AtomicReference<>();
  private final RbacEscalationAdmission admission = new RbacEscalationAdmission(new RbacAuthorizer(policy),
      new RuleResolver(policy), () -> Optional.ofNullable(caller.get()));

  private static PolicyRule rule(String group, String resource, String... verbs) {
    return PolicyRule.newBuilder().addApiGroups(group).addResources(resource).addAllVerbs(List.of(verbs)).build();
  }

  private static Role role(String ns, String name, PolicyRule... rules) {
    return Role.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
        .addAllRules(List.of(rules)).build();
  }

  private static RoleBinding binding(String ns, String name, String kind, String role, String user) {
    return RoleBinding.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
        .addSubjects(Subject.newBuilder().setKind("User").setApiGroup(RBAC).setName(user))
        .setRoleRef(RoleRef.newBuilder().setApiGroup(RBAC).setKind(kind).setName(role)).build();
  }

  @BeforeEach
  void carolMayReadAndWritePodsInTeam() {
    policy.putRole(role("team", "pods", rule("", "pods", "get", "list", "create")));
    policy.put(binding("team", "carol-pods", "Role", "pods", "carol"));
  }

  @Test
  void theServersOwnWritesAndSystemMastersAreNotChecked() {
    ClusterRole all = ClusterRole.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("all"))
        .addRules(rule("*", "*", "*")).build();

    assertThatCode(() -> admission.admit(Kinds.CLUSTER_ROLE, all)).doesNotThrowAnyException();
    caller.set(MASTER);
    assertThatCode(() -> admission.admit(Kinds.CLUSTER_ROLE, all)).doesNotThrowAnyException();
    caller.set(CAROL);
    assertThatThrownBy(() -> admission.admit(Kinds.CLUSTER_ROLE, all)).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void aRoleIsCheckedAgainstWhatTheCallerHoldsInItsNamespaceOnly() {
    caller.set(CAROL);

    assertThatCode(() -> admission.admit(Kinds.ROLE, role("team", "r", rule("", "pods", "get", "create"))))
        .doesNotThrowAnyException();
    StatusRuntimeException elsewhere = catchThrowableOfType(StatusRuntimeException.class, () ->
        admission.admit(Kinds.ROLE, role("other", "r", rule("", "pods", "get"))));
    assertThat(elsewhere).isNotNull();
    assertThat(elsewhere.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(elsewhere.getStatus().getDescription()).isEqualTo("roles.rbac.authorization.k8s.io \"r\" is"
        + " forbidden: user \"carol\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions"
        + " not currently held: {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}");
  }

  @Test
  void escalateIsAskedForOnTheRolesResourceInTheRolesNamespace() {
    caller.set(CAROL);
    policy.putRole(role("team", "escalator", rule(RBAC, "roles", "escalate")));
    policy.put(binding("team", "carol-escalates", "Role", "escalator", "carol"));

    assertThatCode(() -> admission.admit(Kinds.ROLE, role("team", "r", rule("", "secrets", "get"))))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> admission.admit(Kinds.CLUSTER_ROLE, ClusterRole.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("r")).addRules(rule("", "secrets", "get")).build()))
        .hasMessageContaining("clusterroles.rbac.authorization.k8s.io \"r\" is forbidden");
  }

  @Test
  void bindIsAskedForOnTheReferencedRoleByName() {
    caller.set(CAROL);
    policy.putRole(role("team", "secrets", rule("", "secrets", "get")));
    policy.putRole(role("team", "binder", PolicyRule.newBuilder().addApiGroups(RBAC).addResources("roles")
        .addResourceNames("secrets").addVerbs("bind").build()));
    policy.put(binding("team", "carol-binds", "Role", "binder", "carol"));

    assertThatCode(() -> admission.admit(Kinds.ROLE_BINDING, binding("team", "b", "Role", "secrets", "dave")))
        .doesNotThrowAnyException();
    assertThatCode(() -> admission.admit(Kinds.ROLE_BINDING, binding("team", "b", "Role", "pods", "dave")))
        .doesNotThrowAnyException();
    policy.putRole(role("team", "secrets-writer", rule("", "secrets", "update")));
    assertThatThrownBy(() -> admission.admit(Kinds.ROLE_BINDING,
        binding("team", "b", "Role", "secrets-writer", "dave")))
        .hasMessageContaining("not currently held: {APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"update\"]}");
    assertThatThrownBy(() -> admission.admit(Kinds.CLUSTER_ROLE_BINDING, ClusterRoleBinding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("b")).setRoleRef(RoleRef.newBuilder().setApiGroup(RBAC)
            .setKind("ClusterRole").setName("gone")).build()))
        .hasMessageContaining("may not bind clusterroles.rbac.authorization.k8s.io \"gone\": it does not exist");
  }

  @Test
  void anUpdateOfOwnerReferencesAndFinalizersOnlyIsNotChecked() {
    caller.set(CAROL);
    Role old = role("team", "secrets", rule("", "secrets", "get")).toBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("secrets").setResourceVersion("7")).build();
    Role gcOnly = old.toBuilder().setMetadata(old.getMetadata().toBuilder().clearResourceVersion()
        .addOwnerReferences(OwnerReference.newBuilder().setKind("Namespace").setName("team"))
        .addFinalizers("example.com/keep")).build();
    Role labelled = old.toBuilder().setMetadata(old.getMetadata().toBuilder().putLabels("a", "b")).build();

    assertThatCode(() -> admission.admitUpdate(Kinds.ROLE, gcOnly, old)).doesNotThrowAnyException();
    assertThatThrownBy(() -> admission.admitUpdate(Kinds.ROLE, labelled, old))
        .hasMessageContaining("Resources:[\"secrets\"]");
  }

  @Test
  void otherKindsPassUnchecked() {
    caller.set(CAROL);

    assertThatCode(() -> admission.admit(Kinds.CONFIG_MAP, dev.capstan.api.core.v1.ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("x").setName("y")).build())).doesNotThrowAnyException();
  }
}

package dev.capstan.apiserver.admission;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.PolicyRule;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.api.rbac.v1.RoleRef;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.authz.Authorizer;
import dev.capstan.apiserver.authz.CompactRules;
import dev.capstan.apiserver.authz.RequestAttributes;
import dev.capstan.apiserver.authz.RuleCoverage;
import dev.capstan.apiserver.authz.RuleResolver;
import dev.capstan.apiserver.registry.Admission;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * RBAC privilege-escalation prevention, as Kubernetes' RBAC storage does it: nobody grants through
 * RBAC objects a permission they do not hold themselves.
 *
 * <ul>
 *   <li>A Role (ClusterRole) may be created or updated only by a user who holds every rule in it
 *       in the Role's namespace (cluster-wide), or who is allowed {@code escalate} on
 *       {@code roles} ({@code clusterroles}) in group rbac.authorization.k8s.io there.
 *   <li>A RoleBinding (ClusterRoleBinding) may be created or updated only by a user who holds every
 *       rule of the role it refers to in the binding's namespace (cluster-wide), or who is allowed
 *       {@code bind} on that role ({@code roles} or {@code clusterroles}, by its name). A binding to
 *       a role that does not exist needs {@code bind}.
 * </ul>
 *
 * Group {@code system:masters} may do all of it, and so may the server itself: a write with no
 * authenticated user in the call's context comes from the apiserver's own code (the default policy
 * reconciled at start), or from an apiserver run without authentication. An update that changes
 * nothing but owner references and finalizers (the garbage collector's) is not checked. A refusal is
 * PERMISSION_DENIED naming the user, its groups and the missing rules, compacted.
 */
public final class RbacEscalationAdmission implements Admission {
  static final String RBAC_GROUP = "rbac.authorization.k8s.io";
  static final String ESCALATE = "escalate";
  static final String BIND = "bind";

  private final Authorizer authorizer;
  private final RuleResolver rules;
  private final Supplier<Optional<UserInfo>> currentUser;

  /**
   * @param authorizer decides {@code escalate} and {@code bind}
   * @param rules what a user holds and what a role reference stands for
   * @param currentUser the caller of the current request; empty for the server's own writes
   */
  public RbacEscalationAdmission(Authorizer authorizer, RuleResolver rules, Supplier<Optional<UserInfo>> currentUser) {
    this.authorizer = authorizer;
    this.rules = rules;
    this.currentUser = currentUser;
  }

  @Override
  public <T extends Message> void admit(Kind<T> kind, T object) {
    check(kind, object, true);
  }

  @Override
  public <T extends Message> void admitUpdate(Kind<T> kind, T updated, T old) {
    if (!onlyGarbageCollectorFieldsChange(kind, updated, old)) {
      check(kind, updated, false);
    }
  }

  private <T extends Message> void check(Kind<T> kind, T object, boolean create) {
    boolean role = kind == Kinds.ROLE || kind == Kinds.CLUSTER_ROLE;
    boolean binding = kind == Kinds.ROLE_BINDING || kind == Kinds.CLUSTER_ROLE_BINDING;
    if (!role && !binding) {
      return;
    }
    Optional<UserInfo> caller = currentUser.get();
    if (caller.isEmpty() || caller.get().inGroup(UserInfo.SYSTEM_MASTERS)) {
      return;
    }
    UserInfo user = caller.get();
    ObjectMeta meta = kind.metadata(object);
    String namespace = kind.namespaced() ? meta.getNamespace() : "";
    if (role) {
      checkRole(kind, meta, namespace, roleRules(object), create, user);
    } else {
      checkBinding(kind, meta, namespace, roleRef(object), user);
    }
  }

  private void checkRole(Kind<?> kind, ObjectMeta meta, String namespace, List<PolicyRule> wanted, boolean create,
      UserInfo user) {
    // As Kubernetes, the request's name: none for a create, which is made on the collection.
    String requestName = create ? "" : meta.getName();
    if (authorizer.allows(new RequestAttributes(user, ESCALATE, RBAC_GROUP, kind.resource(), "", namespace,
        requestName))) {
      return;
    }
    requireHeld(kind, meta, namespace, wanted, user);
  }

  private void checkBinding(Kind<?> kind, ObjectMeta meta, String namespace, RoleRef ref, UserInfo user) {
    Kind<?> roleKind = ref.getKind().equals("Role") ? Kinds.ROLE : Kinds.CLUSTER_ROLE;
    if (authorizer.allows(new RequestAttributes(user, BIND, RBAC_GROUP, roleKind.resource(), "", namespace,
        ref.getName()))) {
      return;
    }
    Optional<List<PolicyRule>> referenced = rules.roleRules(ref, namespace);
    if (referenced.isEmpty()) {
      throw forbidden(kind, meta, "may not bind " + ApiErrors.qualifiedResource(roleKind) + " \""
          + ref.getName() + "\": it does not exist, and only a user allowed to \"" + BIND
          + "\" it may refer to a role that does not exist", user);
    }
    requireHeld(kind, meta, namespace, referenced.get(), user);
  }

  private void requireHeld(Kind<?> kind, ObjectMeta meta, String namespace, List<PolicyRule> wanted, UserInfo user) {
    List<PolicyRule> missing = RuleCoverage.uncovered(rules.rulesFor(user, namespace), wanted);
    if (!missing.isEmpty()) {
      throw forbidden(kind, meta, "is attempting to grant RBAC permissions not currently held: "
          + CompactRules.describe(missing), user);
    }
  }

  private static StatusRuntimeException forbidden(Kind<?> kind, ObjectMeta meta, String why, UserInfo user) {
    return Status.PERMISSION_DENIED.withDescription(ApiErrors.qualifiedResource(kind) + " \"" + meta.getName()
        + "\" is forbidden: " + describe(user) + " " + why).asRuntimeException();
  }

  /** {@code user "alice" (groups=["dev" "system:authenticated"])}, as Kubernetes names the caller. */
  private static String describe(UserInfo user) {
    return "user \"" + user.name() + "\" (groups=" + CompactRules.quoted(user.groups()) + ")";
  }

  private static List<PolicyRule> roleRules(Message object) {
    return object instanceof Role r ? r.getRulesList() : ((ClusterRole) object).getRulesList();
  }

  private static RoleRef roleRef(Message object) {
    return object instanceof RoleBinding b ? b.getRoleRef() : ((ClusterRoleBinding) object).getRoleRef();
  }

  /** Whether {@code updated} differs from {@code old} in owner references and finalizers only. */
  static <T extends Message> boolean onlyGarbageCollectorFieldsChange(Kind<T> kind, T updated, T old) {
    ObjectMeta now = kind.metadata(updated);
    ObjectMeta before = kind.metadata(old).toBuilder()
        .clearOwnerReferences().addAllOwnerReferences(now.getOwnerReferencesList())
        .clearFinalizers().addAllFinalizers(now.getFinalizersList())
        .clearResourceVersion().build();
    return kind.withMetadata(kind.withTypeMeta(old), before)
        .equals(kind.withMetadata(kind.withTypeMeta(updated), now.toBuilder().clearResourceVersion().build()));
  }
}

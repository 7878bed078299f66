package dev.capstan.apiserver.authz;

import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import java.util.Collection;
import java.util.Optional;

/** The RBAC objects an authorizer reads; answered from memory, never by a store read per request. */
public interface PolicySource {
  Optional<Role> role(String namespace, String name);

  Optional<ClusterRole> clusterRole(String name);

  Collection<RoleBinding> roleBindings(String namespace);

  Collection<ClusterRoleBinding> clusterRoleBindings();
}

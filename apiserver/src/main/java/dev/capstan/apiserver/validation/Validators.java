package dev.capstan.apiserver.validation;

import com.google.protobuf.Message;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;

/**
 * The validator of each kind. Kinds with rules of their own (Pod, ReplicaSet, Deployment,
 * DaemonSet, StatefulSet, ConfigMap, Secret, Lease, Node, Service, Endpoints, the RBAC kinds) get them
 * on top of the metadata checks; every other kind gets the metadata checks only. Namespace and
 * StatefulSet names are DNS-1123 labels, Service names DNS-1035 labels, all other names DNS-1123 subdomains.
 */
public final class Validators {
  private Validators() {}

  /** Never null. */
  public static <T extends Message> Validator<T> forKind(Kind<T> kind) {
    Validator<?> validator;
    if (kind == Kinds.POD) {
      validator = new PodValidator();
    } else if (kind == Kinds.REPLICA_SET) {
      validator = new ReplicaSetValidator();
    } else if (kind == Kinds.DEPLOYMENT) {
      validator = new DeploymentValidator();
    } else if (kind == Kinds.DAEMON_SET) {
      validator = new DaemonSetValidator();
    } else if (kind == Kinds.STATEFUL_SET) {
      validator = new StatefulSetValidator();
    } else if (kind == Kinds.CONFIG_MAP) {
      validator = new ConfigMapValidator();
    } else if (kind == Kinds.SECRET) {
      validator = new SecretValidator();
    } else if (kind == Kinds.LEASE) {
      validator = new LeaseValidator();
    } else if (kind == Kinds.NODE) {
      validator = new NodeValidator();
    } else if (kind == Kinds.ROLE) {
      validator = new RoleValidator<>(Kinds.ROLE, Role::getRulesList);
    } else if (kind == Kinds.CLUSTER_ROLE) {
      validator = new RoleValidator<>(Kinds.CLUSTER_ROLE, ClusterRole::getRulesList);
    } else if (kind == Kinds.ROLE_BINDING) {
      validator = new RoleBindingValidator<>(Kinds.ROLE_BINDING, RoleBinding::getRoleRef, RoleBinding::getSubjectsList);
    } else if (kind == Kinds.CLUSTER_ROLE_BINDING) {
      validator = new RoleBindingValidator<>(Kinds.CLUSTER_ROLE_BINDING, ClusterRoleBinding::getRoleRef,
          ClusterRoleBinding::getSubjectsList);
    } else if (kind == Kinds.SERVICE) {
      validator = new ServiceValidator();
    } else if (kind == Kinds.ENDPOINTS) {
      validator = new EndpointsValidator();
    } else if (kind == Kinds.NAMESPACE) {
      validator = new MetadataValidator<>(kind, ObjectMetaValidator.labelNames(false));
    } else {
      validator = new MetadataValidator<>(kind, ObjectMetaValidator.subdomainNames(kind.namespaced()));
    }
    @SuppressWarnings("unchecked")
    Validator<T> typed = (Validator<T>) validator;
    return typed;
  }
}

package dev.capstan.apiserver.validation;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;

/**
 * The validator of each kind. Kinds with rules of their own (Pod, ReplicaSet, Deployment,
 * ConfigMap, Lease, Node) get them on top of the metadata checks; every other kind gets the
 * metadata checks only. Namespace names are DNS-1123 labels, all other names DNS-1123 subdomains.
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
    } else if (kind == Kinds.CONFIG_MAP) {
      validator = new ConfigMapValidator();
    } else if (kind == Kinds.LEASE) {
      validator = new LeaseValidator();
    } else if (kind == Kinds.NODE) {
      validator = new NodeValidator();
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

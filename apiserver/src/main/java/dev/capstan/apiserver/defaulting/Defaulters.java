package dev.capstan.apiserver.defaulting;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;

/**
 * The defaulter of each kind: Pod, ReplicaSet, Deployment, DaemonSet, StatefulSet, Secret and Service
 * have Kubernetes' defaults; every other kind is returned unchanged.
 */
public final class Defaulters {
  private Defaulters() {}

  /** Never null. */
  public static <T extends Message> Defaulter<T> forKind(Kind<T> kind) {
    Defaulter<?> defaulter;
    if (kind == Kinds.POD) {
      defaulter = new PodDefaulter();
    } else if (kind == Kinds.REPLICA_SET) {
      defaulter = new ReplicaSetDefaulter();
    } else if (kind == Kinds.DEPLOYMENT) {
      defaulter = new DeploymentDefaulter();
    } else if (kind == Kinds.DAEMON_SET) {
      defaulter = new DaemonSetDefaulter();
    } else if (kind == Kinds.STATEFUL_SET) {
      defaulter = new StatefulSetDefaulter();
    } else if (kind == Kinds.SECRET) {
      defaulter = new SecretDefaulter();
    } else if (kind == Kinds.SERVICE) {
      defaulter = new ServiceDefaulter();
    } else {
      defaulter = (Defaulter<T>) object -> object;
    }
    @SuppressWarnings("unchecked")
    Defaulter<T> typed = (Defaulter<T>) defaulter;
    return typed;
  }
}

package dev.capstan.apiserver.defaulting;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;

/** ReplicaSet defaults: one replica, and the pod spec defaults in the template. */
final class ReplicaSetDefaulter implements Defaulter<ReplicaSet> {
  @Override
  public ReplicaSet applyDefaults(ReplicaSet rs) {
    ReplicaSetSpec.Builder spec = rs.getSpec().toBuilder();
    if (!spec.hasReplicas()) {
      spec.setReplicas(1);
    }
    if (spec.hasTemplate()) {
      spec.getTemplateBuilder().setSpec(PodSpecDefaults.apply(spec.getTemplate().getSpec()));
    }
    return rs.toBuilder().setSpec(spec).build();
  }
}

package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.ReplicaSet;

/** A decision to set a ReplicaSet's {@code spec.replicas}. */
public record ScaleTarget(ReplicaSet replicaSet, int replicas) {
  public ScaleTarget {
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas: must be non-negative, got " + replicas);
    }
  }

  public String name() {
    return replicaSet.getMetadata().getName();
  }
}

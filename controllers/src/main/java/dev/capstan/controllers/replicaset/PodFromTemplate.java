package dev.capstan.controllers.replicaset;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import dev.capstan.controllers.framework.OwnerReferences;

/**
 * A new pod for a ReplicaSet: the template's labels, annotations, finalizers and spec, a generated
 * name "&lt;replicaset&gt;-xxxxx", the ReplicaSet's namespace, and a controller reference to it.
 */
public final class PodFromTemplate {
  private PodFromTemplate() {}

  public static Pod newPod(ReplicaSet rs) {
    PodTemplateSpec template = rs.getSpec().getTemplate();
    ObjectMeta owner = rs.getMetadata();
    ObjectMeta metadata = ObjectMeta.newBuilder()
        .setGenerateName(owner.getName() + "-")
        .setNamespace(owner.getNamespace())
        .putAllLabels(template.getMetadata().getLabelsMap())
        .putAllAnnotations(template.getMetadata().getAnnotationsMap())
        .addAllFinalizers(template.getMetadata().getFinalizersList())
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.REPLICA_SET))
        .build();
    return Pod.newBuilder().setMetadata(metadata).setSpec(template.getSpec()).build();
  }
}

package dev.capstan.apiserver.service;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.Scale;
import dev.capstan.api.apps.v1.ScaleSpec;
import dev.capstan.api.apps.v1.ScaleStatus;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.selector.LabelQuery;

/** The deployments/scale subresource: read and set spec.replicas without the rest of the spec. */
public final class DeploymentScale {
  private final ResourceRegistry<Deployment> deployments;

  public DeploymentScale(ResourceRegistry<Deployment> deployments) {
    this.deployments = deployments;
  }

  public Scale get(GetRequest request) {
    return toScale(deployments.get(request.getNamespace(), request.getName()));
  }

  public Scale update(Scale scale) {
    if (scale.getSpec().getReplicas() < 0) {
      throw ApiErrors.badRequest("spec.replicas: Invalid value: " + scale.getSpec().getReplicas()
          + ": must be greater than or equal to 0");
    }
    String rv = scale.getMetadata().getResourceVersion();
    Deployment updated = deployments.modify(scale.getMetadata().getNamespace(), scale.getMetadata().getName(), d -> {
      if (!rv.isEmpty() && !rv.equals(d.getMetadata().getResourceVersion())) {
        throw ApiErrors.modified(deployments.kind(), d.getMetadata().getName());
      }
      Deployment.Builder b = d.toBuilder();
      b.getSpecBuilder().setReplicas(scale.getSpec().getReplicas());
      b.getMetadataBuilder().setGeneration(d.getMetadata().getGeneration()
          + (d.getSpec().getReplicas() == scale.getSpec().getReplicas() ? 0 : 1));
      return b.build();
    });
    return toScale(updated);
  }

  private static Scale toScale(Deployment d) {
    return Scale.newBuilder().setApiVersion("autoscaling/v1").setKind("Scale")
        .setMetadata(d.getMetadata().toBuilder().clearLabels().clearAnnotations().clearOwnerReferences()
            .clearFinalizers())
        .setSpec(ScaleSpec.newBuilder().setReplicas(d.getSpec().getReplicas()))
        .setStatus(ScaleStatus.newBuilder().setReplicas(d.getStatus().getReplicas())
            .setSelector(LabelQuery.fromProto(d.getSpec().getSelector()).toString()))
        .build();
  }
}

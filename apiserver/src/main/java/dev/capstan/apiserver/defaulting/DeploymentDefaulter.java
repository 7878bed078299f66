package dev.capstan.apiserver.defaulting;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;

/**
 * Deployment defaults (apps/v1): one replica, a RollingUpdate strategy with maxSurge and
 * maxUnavailable 25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, and the pod spec
 * defaults in the template. A Recreate strategy gets no rollingUpdate parameters.
 */
final class DeploymentDefaulter implements Defaulter<Deployment> {
  static final String DEFAULT_MAX_SURGE = "25%";
  static final String DEFAULT_MAX_UNAVAILABLE = "25%";
  static final int DEFAULT_REVISION_HISTORY_LIMIT = 10;
  static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

  @Override
  public Deployment applyDefaults(Deployment deployment) {
    DeploymentSpec.Builder spec = deployment.getSpec().toBuilder();
    if (!spec.hasReplicas()) {
      spec.setReplicas(1);
    }
    DeploymentStrategy.Builder strategy = spec.getStrategy().toBuilder();
    if (strategy.getType().isEmpty()) {
      strategy.setType("RollingUpdate");
    }
    if (strategy.getType().equals("RollingUpdate")) {
      RollingUpdateDeployment.Builder rolling = strategy.getRollingUpdate().toBuilder();
      if (rolling.getMaxSurge().isEmpty()) {
        rolling.setMaxSurge(DEFAULT_MAX_SURGE);
      }
      if (rolling.getMaxUnavailable().isEmpty()) {
        rolling.setMaxUnavailable(DEFAULT_MAX_UNAVAILABLE);
      }
      strategy.setRollingUpdate(rolling);
    }
    spec.setStrategy(strategy);
    if (!spec.hasRevisionHistoryLimit()) {
      spec.setRevisionHistoryLimit(DEFAULT_REVISION_HISTORY_LIMIT);
    }
    if (!spec.hasProgressDeadlineSeconds()) {
      spec.setProgressDeadlineSeconds(DEFAULT_PROGRESS_DEADLINE_SECONDS);
    }
    if (spec.hasTemplate()) {
      spec.getTemplateBuilder().setSpec(PodSpecDefaults.apply(spec.getTemplate().getSpec()));
    }
    return deployment.toBuilder().setSpec(spec).build();
  }
}

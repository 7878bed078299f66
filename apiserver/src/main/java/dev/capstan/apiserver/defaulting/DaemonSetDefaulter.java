package dev.capstan.apiserver.defaulting;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetSpec;
import dev.capstan.api.apps.v1.DaemonSetUpdateStrategy;
import dev.capstan.api.apps.v1.RollingUpdateDaemonSet;

/**
 * DaemonSet defaults (apps/v1): a RollingUpdate strategy with maxUnavailable 1 and maxSurge 0,
 * revisionHistoryLimit 10, and the pod spec defaults in the template. An OnDelete strategy gets no
 * rollingUpdate parameters.
 */
final class DaemonSetDefaulter implements Defaulter<DaemonSet> {
  static final String DEFAULT_MAX_UNAVAILABLE = "1";
  static final String DEFAULT_MAX_SURGE = "0";
  static final int DEFAULT_REVISION_HISTORY_LIMIT = 10;

  @Override
  public DaemonSet applyDefaults(DaemonSet ds) {
    DaemonSetSpec.Builder spec = ds.getSpec().toBuilder();
    DaemonSetUpdateStrategy.Builder strategy = spec.getUpdateStrategy().toBuilder();
    if (strategy.getType().isEmpty()) {
      strategy.setType("RollingUpdate");
    }
    if (strategy.getType().equals("RollingUpdate")) {
      RollingUpdateDaemonSet.Builder rolling = strategy.getRollingUpdate().toBuilder();
      if (rolling.getMaxUnavailable().isEmpty()) {
        rolling.setMaxUnavailable(DEFAULT_MAX_UNAVAILABLE);
      }
      if (rolling.getMaxSurge().isEmpty()) {
        rolling.setMaxSurge(DEFAULT_MAX_SURGE);
      }
      strategy.setRollingUpdate(rolling);
    }
    spec.setUpdateStrategy(strategy);
    if (!spec.hasRevisionHistoryLimit()) {
      spec.setRevisionHistoryLimit(DEFAULT_REVISION_HISTORY_LIMIT);
    }
    if (spec.hasTemplate()) {
      spec.getTemplateBuilder().setSpec(PodSpecDefaults.apply(spec.getTemplate().getSpec()));
    }
    return ds.toBuilder().setSpec(spec).build();
  }
}

package dev.capstan.apiserver.defaulting;

import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetSpec;
import dev.capstan.api.apps.v1.StatefulSetUpdateStrategy;

/**
 * StatefulSet defaults (apps/v1): one replica, podManagementPolicy OrderedReady, a RollingUpdate
 * strategy with partition 0, revisionHistoryLimit 10, and the pod spec defaults in the template.
 */
final class StatefulSetDefaulter implements Defaulter<StatefulSet> {
  static final int DEFAULT_REVISION_HISTORY_LIMIT = 10;

  @Override
  public StatefulSet applyDefaults(StatefulSet set) {
    StatefulSetSpec.Builder spec = set.getSpec().toBuilder();
    if (!spec.hasReplicas()) {
      spec.setReplicas(1);
    }
    if (spec.getPodManagementPolicy().isEmpty()) {
      spec.setPodManagementPolicy("OrderedReady");
    }
    StatefulSetUpdateStrategy.Builder strategy = spec.getUpdateStrategy().toBuilder();
    if (strategy.getType().isEmpty()) {
      strategy.setType("RollingUpdate");
    }
    if (strategy.getType().equals("RollingUpdate") && !strategy.getRollingUpdate().hasPartition()) {
      strategy.getRollingUpdateBuilder().setPartition(0);
    }
    spec.setUpdateStrategy(strategy);
    if (!spec.hasRevisionHistoryLimit()) {
      spec.setRevisionHistoryLimit(DEFAULT_REVISION_HISTORY_LIMIT);
    }
    if (spec.hasTemplate()) {
      spec.getTemplateBuilder().setSpec(PodSpecDefaults.apply(spec.getTemplate().getSpec()));
    }
    return set.toBuilder().setSpec(spec).build();
  }
}

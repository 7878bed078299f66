package dev.capstan.apiserver.validation;

import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetSpec;
import dev.capstan.api.apps.v1.StatefulSetUpdateStrategy;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates StatefulSets as Kubernetes' apps validation does: replicas, minReadySeconds,
 * revisionHistoryLimit and the rolling update's partition not negative; podManagementPolicy
 * OrderedReady or Parallel; updateStrategy RollingUpdate or OnDelete (no rollingUpdate parameters);
 * serviceName a DNS-1123 label when set; selector and template as {@link PodTemplateValidator}
 * checks them. On update only replicas, template, updateStrategy and minReadySeconds may change.
 *
 * <p>Two rules are Capstan's own: the name must be a DNS-1123 label, since it begins every pod's
 * hostname ({@code <name>-<ordinal>}); and {@code volumeClaimTemplates} are refused, since Capstan
 * has no persistent volumes yet.
 */
final class StatefulSetValidator implements Validator<StatefulSet> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.labelNames(true);

  @Override
  public List<FieldError> validate(StatefulSet set, StatefulSet old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(set.getMetadata(), old == null ? null : old.getMetadata()));
    StatefulSetSpec spec = set.getSpec();
    FieldPath path = FieldPath.of("spec");
    if (spec.hasReplicas() && spec.getReplicas() < 0) {
      errors.add(path.child("replicas").error("must be greater than or equal to 0"));
    }
    if (spec.getMinReadySeconds() < 0) {
      errors.add(path.child("minReadySeconds").error("must be greater than or equal to 0"));
    }
    if (spec.hasRevisionHistoryLimit() && spec.getRevisionHistoryLimit() < 0) {
      errors.add(path.child("revisionHistoryLimit").error("must be greater than or equal to 0"));
    }
    if (!spec.getServiceName().isEmpty()) {
      NameSyntax.dns1123Label(spec.getServiceName())
          .ifPresent(why -> errors.add(path.child("serviceName").invalid(spec.getServiceName(), why)));
    }
    String policy = spec.getPodManagementPolicy();
    if (!policy.isEmpty() && !policy.equals("OrderedReady") && !policy.equals("Parallel")) {
      errors.add(path.child("podManagementPolicy").unsupported(policy, "OrderedReady", "Parallel"));
    }
    errors.addAll(updateStrategy(spec.getUpdateStrategy(), path.child("updateStrategy")));
    if (spec.getVolumeClaimTemplatesCount() > 0) {
      errors.add(path.child("volumeClaimTemplates").error("not supported: Capstan has no persistent volumes yet;"
          + " use emptyDir or hostPath volumes in spec.template.spec.volumes"));
    }
    errors.addAll(PodTemplateValidator.validate(spec.hasSelector(), spec.getSelector(), spec.hasTemplate(),
        spec.getTemplate(), path, "StatefulSet"));
    if (old != null && !updatableFieldsCleared(spec).equals(updatableFieldsCleared(old.getSpec()))) {
      errors.add(path.error("updates to statefulset spec for fields other than 'replicas', 'template',"
          + " 'updateStrategy' and 'minReadySeconds' are forbidden"));
    }
    return errors;
  }

  private static StatefulSetSpec updatableFieldsCleared(StatefulSetSpec spec) {
    return spec.toBuilder().clearReplicas().clearTemplate().clearUpdateStrategy().clearMinReadySeconds().build();
  }

  private static List<FieldError> updateStrategy(StatefulSetUpdateStrategy strategy, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    switch (strategy.getType()) {
      case "", "RollingUpdate" -> {
        var rolling = strategy.getRollingUpdate();
        if (rolling.hasPartition() && rolling.getPartition() < 0) {
          errors.add(path.child("rollingUpdate").child("partition").error("must be greater than or equal to 0"));
        }
      }
      case "OnDelete" -> {
        if (strategy.hasRollingUpdate()) {
          errors.add(path.child("rollingUpdate").error("may not be specified when strategy `type` is 'OnDelete'"));
        }
      }
      default -> errors.add(path.child("type").unsupported(strategy.getType(), "OnDelete", "RollingUpdate"));
    }
    return errors;
  }
}

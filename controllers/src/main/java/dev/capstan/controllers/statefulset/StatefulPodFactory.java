package dev.capstan.controllers.statefulset;

import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import dev.capstan.controllers.deployment.PodTemplateHash;
import dev.capstan.controllers.framework.OwnerReferences;
import java.util.OptionalInt;

/**
 * The identity of a StatefulSet's pods: pod {@code i} is named {@code <set>-<i>}, carries the
 * labels {@value #POD_NAME_LABEL} (its name) and {@value #POD_INDEX_LABEL} (its ordinal) for
 * per-pod Services, its template's hash in {@value #REVISION_LABEL}, and has {@code spec.hostname}
 * = its name and {@code spec.subdomain} = the set's serviceName, so that it is reachable as
 * {@code <set>-<i>.<service>}. Pods are created without a node: the scheduler places them.
 */
public final class StatefulPodFactory {
  public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
  public static final String REVISION_LABEL = "controller-revision-hash";

  private StatefulPodFactory() {}

  /**
   * The hash of the set's current template: its update revision. Kubernetes prefixes the set's
   * name; the bare hash keeps the label value within 63 characters for any set name.
   */
  public static String revision(StatefulSet set) {
    return PodTemplateHash.compute(set.getSpec().getTemplate(), 0);
  }

  public static String podName(String setName, int ordinal) {
    return setName + "-" + ordinal;
  }

  /** The ordinal of a pod named {@code <setName>-<i>}; empty for any other name. */
  public static OptionalInt ordinalOf(String setName, String podName) {
    String prefix = setName + "-";
    if (!podName.startsWith(prefix) || podName.length() == prefix.length()) {
      return OptionalInt.empty();
    }
    String digits = podName.substring(prefix.length());
    if (!digits.chars().allMatch(c -> c >= '0' && c <= '9') || (digits.length() > 1 && digits.charAt(0) == '0')
        || digits.length() > 9) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(Integer.parseInt(digits));
  }

  public static String revisionOf(Pod pod) {
    return pod.getMetadata().getLabelsMap().getOrDefault(REVISION_LABEL, "");
  }

  public static Pod newPod(StatefulSet set, int ordinal, String revision) {
    PodTemplateSpec template = set.getSpec().getTemplate();
    ObjectMeta owner = set.getMetadata();
    String name = podName(owner.getName(), ordinal);
    ObjectMeta metadata = ObjectMeta.newBuilder()
        .setName(name)
        .setNamespace(owner.getNamespace())
        .putAllLabels(template.getMetadata().getLabelsMap())
        .putLabels(POD_NAME_LABEL, name)
        .putLabels(POD_INDEX_LABEL, Integer.toString(ordinal))
        .putLabels(REVISION_LABEL, revision)
        .putAllAnnotations(template.getMetadata().getAnnotationsMap())
        .addAllFinalizers(template.getMetadata().getFinalizersList())
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.STATEFUL_SET))
        .build();
    PodSpec.Builder spec = template.getSpec().toBuilder().setHostname(name);
    if (!set.getSpec().getServiceName().isEmpty()) {
      spec.setSubdomain(set.getSpec().getServiceName());
    }
    return Pod.newBuilder().setMetadata(metadata).setSpec(spec).build();
  }
}

package dev.capstan.controllers.daemonset;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import dev.capstan.client.scheduling.Tolerations;
import dev.capstan.controllers.deployment.PodTemplateHash;
import dev.capstan.controllers.framework.OwnerReferences;
import java.util.ArrayList;
import java.util.List;

/**
 * The pods of a DaemonSet: the template's labels, annotations and spec, a generated name
 * "&lt;daemonset&gt;-xxxxx", a controller reference, the template's hash in the
 * {@value #REVISION_LABEL} label (which tells old pods from new ones in a rolling update), and
 * {@code spec.nodeName} set to the node: the controller places daemon pods itself, the scheduler
 * never sees them.
 *
 * <p>Daemon pods get Kubernetes' daemon tolerations added, so that a node's condition taints
 * neither keep them off nor evict them: not-ready and unreachable (NoExecute, for ever),
 * disk-, memory- and pid-pressure and unschedulable (NoSchedule), and network-unavailable
 * (NoSchedule) for host-network pods.
 */
public final class DaemonPodFactory {
  public static final String REVISION_LABEL = "controller-revision-hash";

  private DaemonPodFactory() {}

  /** The template hash that the DaemonSet's up-to-date pods carry in {@value #REVISION_LABEL}. */
  public static String revision(DaemonSet ds) {
    return PodTemplateHash.compute(ds.getSpec().getTemplate(), 0);
  }

  /** The template's pod spec with the daemon tolerations added (the spec eligibility is judged by). */
  public static PodSpec daemonPodSpec(PodSpec template) {
    List<Toleration> extra = new ArrayList<>();
    addIfMissing(template, extra, "node.kubernetes.io/not-ready", Tolerations.NO_EXECUTE);
    addIfMissing(template, extra, "node.kubernetes.io/unreachable", Tolerations.NO_EXECUTE);
    addIfMissing(template, extra, "node.kubernetes.io/disk-pressure", Tolerations.NO_SCHEDULE);
    addIfMissing(template, extra, "node.kubernetes.io/memory-pressure", Tolerations.NO_SCHEDULE);
    addIfMissing(template, extra, "node.kubernetes.io/pid-pressure", Tolerations.NO_SCHEDULE);
    addIfMissing(template, extra, "node.kubernetes.io/unschedulable", Tolerations.NO_SCHEDULE);
    if (template.getHostNetwork()) {
      addIfMissing(template, extra, "node.kubernetes.io/network-unavailable", Tolerations.NO_SCHEDULE);
    }
    return template.toBuilder().addAllTolerations(extra).build();
  }

  public static Pod newPod(DaemonSet ds, String nodeName, String revision) {
    PodTemplateSpec template = ds.getSpec().getTemplate();
    ObjectMeta owner = ds.getMetadata();
    ObjectMeta metadata = ObjectMeta.newBuilder()
        .setGenerateName(owner.getName() + "-")
        .setNamespace(owner.getNamespace())
        .putAllLabels(template.getMetadata().getLabelsMap())
        .putLabels(REVISION_LABEL, revision)
        .putAllAnnotations(template.getMetadata().getAnnotationsMap())
        .addAllFinalizers(template.getMetadata().getFinalizersList())
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.DAEMON_SET))
        .build();
    PodSpec spec = daemonPodSpec(template.getSpec()).toBuilder().setNodeName(nodeName).build();
    return Pod.newBuilder().setMetadata(metadata).setSpec(spec).build();
  }

  private static void addIfMissing(PodSpec spec, List<Toleration> extra, String key, String effect) {
    boolean present = spec.getTolerationsList().stream()
        .anyMatch(t -> t.getKey().equals(key) && t.getEffect().equals(effect) && t.getOperator().equals("Exists"));
    if (!present) {
      extra.add(Toleration.newBuilder().setKey(key).setOperator("Exists").setEffect(effect).build());
    }
  }
}

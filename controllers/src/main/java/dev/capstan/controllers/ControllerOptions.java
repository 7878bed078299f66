package dev.capstan.controllers;

import dev.capstan.controllers.nodelifecycle.NodeLifecycleController;
import dev.capstan.controllers.podgc.PodGarbageCollector;
import java.time.Duration;
import java.util.Objects;

/**
 * The controller manager's settings an operator may change, each a kube-controller-manager flag of
 * the same name ({@code capstan server} and {@code capstan up} take them):
 *
 * @param nodeMonitorGracePeriod {@code --node-monitor-grace-period}: how long a node's agent may be
 *     silent (no Lease renewal, no status) before the node lifecycle controller marks the node
 *     Unknown and taints it; positive
 * @param terminatedPodGcThreshold {@code --terminated-pod-gc-threshold}: how many finished
 *     (Succeeded, Failed) pods the pod garbage collector keeps before it deletes the oldest; 0 or
 *     less keeps them all
 * @param rootCaPem {@code --root-ca-file}'s content: the cluster CA's certificate (PEM) that the
 *     root CA publisher puts in every namespace's {@code kube-root-ca.crt}; empty runs no publisher
 *     (a cluster without TLS has no CA to publish)
 */
public record ControllerOptions(Duration nodeMonitorGracePeriod, int terminatedPodGcThreshold, String rootCaPem) {
  public ControllerOptions {
    Objects.requireNonNull(nodeMonitorGracePeriod, "nodeMonitorGracePeriod");
    Objects.requireNonNull(rootCaPem, "rootCaPem");
    if (nodeMonitorGracePeriod.isNegative() || nodeMonitorGracePeriod.isZero()) {
      throw new IllegalArgumentException("nodeMonitorGracePeriod: must be positive, got " + nodeMonitorGracePeriod);
    }
  }

  /** Options without a root CA: no publisher. */
  public ControllerOptions(Duration nodeMonitorGracePeriod, int terminatedPodGcThreshold) {
    this(nodeMonitorGracePeriod, terminatedPodGcThreshold, "");
  }

  /** kube-controller-manager's defaults: 40 s and 12500. */
  public static ControllerOptions defaults() {
    return new ControllerOptions(NodeLifecycleController.DEFAULT_GRACE_PERIOD,
        PodGarbageCollector.DEFAULT_TERMINATED_POD_THRESHOLD);
  }

  public ControllerOptions withNodeMonitorGracePeriod(Duration d) {
    return new ControllerOptions(d, terminatedPodGcThreshold, rootCaPem);
  }

  public ControllerOptions withTerminatedPodGcThreshold(int threshold) {
    return new ControllerOptions(nodeMonitorGracePeriod, threshold, rootCaPem);
  }

  /** With the cluster CA's certificate to publish (PEM). */
  public ControllerOptions withRootCa(String pem) {
    return new ControllerOptions(nodeMonitorGracePeriod, terminatedPodGcThreshold, pem);
  }
}

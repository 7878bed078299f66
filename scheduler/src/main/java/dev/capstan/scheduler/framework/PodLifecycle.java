package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;

/** The facts about a pod's lifecycle that decide whether the scheduler cares about it. */
public final class PodLifecycle {
  public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";

  private PodLifecycle() {}

  /** Bound to a node (spec.nodeName set). */
  public static boolean isAssigned(Pod pod) {
    return !pod.getSpec().getNodeName().isEmpty();
  }

  /** Finished for good (phase Succeeded or Failed): it no longer uses its node's resources. */
  public static boolean isTerminal(Pod pod) {
    String phase = pod.getStatus().getPhase();
    return phase.equals("Succeeded") || phase.equals("Failed");
  }

  /** Being deleted (metadata.deletionTimestamp set). */
  public static boolean isTerminating(Pod pod) {
    return pod.getMetadata().hasDeletionTimestamp();
  }

  /**
   * Waiting for the named scheduler: not bound, not terminating, not terminal, and asking for that
   * scheduler (an empty spec.schedulerName means the default scheduler).
   */
  public static boolean isPendingFor(Pod pod, String schedulerName) {
    String wanted = pod.getSpec().getSchedulerName().isEmpty() ? DEFAULT_SCHEDULER_NAME
        : pod.getSpec().getSchedulerName();
    return wanted.equals(schedulerName) && !isAssigned(pod) && !isTerminating(pod) && !isTerminal(pod);
  }

  /** "namespace/name", the key the scheduler's queue and cache use. */
  public static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }
}

package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Pod;
import java.util.List;

/** What a pod worker runs: passes that bring one pod's containers toward its spec, or tear it down. */
public interface PodSyncer {

  /** Syncs a pod that should run: starts and restarts containers, writes status. */
  SyncResult syncPod(Pod pod);

  /**
   * Stops a pod's containers within its grace period and removes everything the runtime and the
   * agent hold for it. Unless the pod is already gone from the API, its final status is written
   * and the pod deleted with grace period 0. Idempotent.
   *
   * @return {@link SyncResult#FINISHED} once nothing is left
   */
  SyncResult terminatePod(Pod pod, boolean removedFromApi);

  /**
   * The pods the runtime holds sandboxes (or the agent volume directories) for, as stubs carrying
   * only name, namespace, uid and grace period (a pod known only by its volumes has just its uid):
   * what is needed to tear down pods the agent no longer knows.
   */
  List<Pod> runtimePods();
}

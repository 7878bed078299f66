package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;

/** Where pod statuses go (kubelet's status manager). Calls for one pod are serialized by its worker. */
public interface PodStatusManager {

  /**
   * Makes {@code status} the pod's API status, writing only if it changed.
   *
   * @param pod the pod as last seen (from the informer; may lag behind the API)
   * @return whether a write happened
   */
  boolean setStatus(Pod pod, PodStatus status);

  /**
   * The pod with the newest status the agent knows: its own last write when {@code pod} (e.g. the
   * informer's copy) predates it. Status generation starts from this, so that start and
   * transition times survive a sync that runs before the informer saw the last write.
   */
  Pod withLatestStatus(Pod pod);

  /**
   * Removes a pod whose containers are gone from the API: a delete with grace period 0, guarded by
   * the uid so that a new pod of the same name is never hit. A pod already gone is fine.
   */
  void deletePod(Pod pod);

  /** Drops what is remembered about a pod that is gone. */
  void forget(String uid);
}

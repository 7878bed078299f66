package dev.capstan.agent.pod;

import java.time.Instant;

/**
 * What a pod sync asks of its worker.
 *
 * @param wakeAt when to sync the pod again (a back-off ends), or null for "on the next event"
 * @param finished the pod is terminated and cleaned up: its worker can go
 */
public record SyncResult(Instant wakeAt, boolean finished) {
  public static final SyncResult FINISHED = new SyncResult(null, true);

  public static SyncResult wakeAt(Instant at) {
    return new SyncResult(at, false);
  }
}

package dev.capstan.agent.pod;

/**
 * What pod syncs report for metrics: when a new pod was first synced, when all its containers
 * first ran, when it went away, and each container restart. Called from pod workers, so an
 * implementation must be quick and thread-safe. {@link #NONE} records nothing.
 */
public interface PodSyncMetrics {
  PodSyncMetrics NONE = new PodSyncMetrics() {
    @Override
    public void podSeen(String uid) {}

    @Override
    public void podRunning(String uid) {}

    @Override
    public void podGone(String uid) {}

    @Override
    public void containerRestarted() {}
  };

  /** A pod with no containers yet is being synced; the first call per pod starts its clock. */
  void podSeen(String uid);

  /** Every container of the pod runs (called after each such sync; only the first counts). */
  void podRunning(String uid);

  /** The pod is terminated and forgotten. */
  void podGone(String uid);

  /** A container that had exited was started again. */
  void containerRestarted();
}

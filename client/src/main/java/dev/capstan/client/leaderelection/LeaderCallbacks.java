package dev.capstan.client.leaderelection;

/**
 * What a {@link LeaderElector} tells its owner. Called on the elector's thread, one at a time;
 * implementations must return promptly (start or stop work on other threads).
 */
public interface LeaderCallbacks {
  /** This candidate now holds the lease and should start its work. */
  void onStartedLeading();

  /**
   * This candidate no longer leads (renewal failed past the renew deadline, someone else took the
   * lease, or the elector is closing) and must stop its work now. Only called after
   * {@link #onStartedLeading}.
   */
  void onStoppedLeading();

  /** The lease was observed held by {@code identity} (possibly this candidate) for the first time. */
  default void onNewLeader(String identity) {}
}

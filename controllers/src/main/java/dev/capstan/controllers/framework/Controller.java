package dev.capstan.controllers.framework;

/**
 * A controller the {@link dev.capstan.controllers.ControllerManager} runs. It registers its event
 * handlers on shared informers when constructed, so it hears about every object from the first
 * list on; {@link #run} starts its workers, which the manager does once the informers' caches are
 * synced, so that no worker acts on a partial view of the cluster.
 */
public interface Controller extends AutoCloseable {
  String name();

  /** Starts {@code workers} worker threads; returns at once. */
  void run(int workers);

  /** Stops the workers, waiting briefly for the syncs in progress. */
  @Override
  void close();
}

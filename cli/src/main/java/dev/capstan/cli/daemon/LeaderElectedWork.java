package dev.capstan.cli.daemon;

import dev.capstan.client.CapstanClient;
import dev.capstan.client.leaderelection.LeaderCallbacks;
import dev.capstan.client.leaderelection.LeaderElectionConfig;
import dev.capstan.client.leaderelection.LeaderElector;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a component on at most one control-plane member at a time (DESIGN §8): competes for a
 * Lease in {@code kube-system} and, while it holds it, runs a fresh instance made by
 * {@code factory}; when it loses the lease, it closes that instance. Instances are single-use
 * (the scheduler and controller manager cannot restart once closed), so each term gets a new one.
 *
 * <p>Start and stop run on a single worker thread, in order, because a starting controller
 * manager waits for its caches and the elector's callbacks must return promptly.
 */
final class LeaderElectedWork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElectedWork.class);

  private final String name;
  private final Supplier<AutoCloseable> factory;
  private final ScheduledExecutorService worker;
  private final LeaderElector elector;
  private AutoCloseable running;

  LeaderElectedWork(String name, String identity, CapstanClient client, Clock clock, Supplier<AutoCloseable> factory) {
    this.name = name;
    this.factory = factory;
    ScheduledThreadPoolExecutor lifecycle = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name + "-lifecycle");
      t.setDaemon(true);
      return t;
    });
    lifecycle.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.worker = lifecycle;
    this.elector = new LeaderElector(client, LeaderElectionConfig.withDefaults("kube-system", name, identity),
        new LeaderCallbacks() {
          @Override
          public void onStartedLeading() {
            worker.execute(LeaderElectedWork.this::startInstance);
          }

          @Override
          public void onStoppedLeading() {
            // Wait for the stop, so the work has ended before the lease can pass to another member.
            try {
              worker.submit(LeaderElectedWork.this::stopInstance).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
              log.warn("{}: stopping took too long or failed", name, e);
            }
          }

          @Override
          public void onNewLeader(String holder) {
            log.info("{}: the leader is now {}", name, holder);
          }
        }, clock);
  }

  void start() {
    elector.run();
  }

  boolean isLeader() {
    return elector.isLeader();
  }

  private void startInstance() {
    if (running != null || !elector.isLeader()) {
      return;
    }
    try {
      running = factory.get();
      log.info("{}: started on this member", name);
    } catch (RuntimeException e) {
      log.error("{}: could not start; trying again in 5 s", name, e);
      running = null;
      worker.schedule(this::startInstance, 5, TimeUnit.SECONDS);
    }
  }

  private void stopInstance() {
    if (running == null) {
      return;
    }
    try {
      running.close();
    } catch (Exception e) {
      log.warn("{}: error while stopping", name, e);
    }
    running = null;
    log.info("{}: stopped on this member", name);
  }

  @Override
  public void close() {
    // The elector calls onStoppedLeading, which waits for the stop, before it releases the lease.
    elector.close();
    worker.shutdown();
    try {
      worker.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

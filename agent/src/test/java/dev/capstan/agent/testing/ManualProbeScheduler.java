package dev.capstan.agent.testing;

import dev.capstan.agent.prober.ProbeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link ProbeScheduler} whose tasks run only when a test says so. */
public final class ManualProbeScheduler implements ProbeScheduler {
  private final List<Runnable> active = new ArrayList<>();

  @Override
  public synchronized Runnable schedule(Runnable task, Duration initialDelay, Duration period) {
    active.add(task);
    return () -> {
      synchronized (this) {
        active.remove(task);
      }
    };
  }

  /** Runs every scheduled task once, as if each one's period had passed. */
  public void runAll() {
    List<Runnable> tasks;
    synchronized (this) {
      tasks = List.copyOf(active);
    }
    tasks.forEach(Runnable::run);
  }

  public synchronized int scheduled() {
    return active.size();
  }
}

package dev.capstan.agent.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock tests move by hand, and that can act at the moment it is read. */
public final class MutableClock extends Clock {
  private volatile Instant now;
  private final AtomicReference<Runnable> onNextRead = new AtomicReference<>();

  public MutableClock(Instant start) {
    this.now = start;
  }

  public void advance(Duration d) {
    now = now.plus(d);
  }

  public void set(Instant t) {
    now = t;
  }

  /**
   * Runs {@code action} once, the next time the clock is read, before it answers: a test's way in
   * between the steps of code that asks the time between them.
   */
  public void onNextRead(Runnable action) {
    onNextRead.set(action);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    Runnable action = onNextRead.getAndSet(null);
    if (action != null) {
      action.run();
    }
    return now;
  }
}

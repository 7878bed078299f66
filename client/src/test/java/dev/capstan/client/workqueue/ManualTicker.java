package dev.capstan.client.workqueue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Monotonic nanoseconds that move only when told to, standing in for {@link System#nanoTime}. Thread-safe. */
final class ManualTicker implements LongSupplier {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Override
  public long getAsLong() {
    return nanos.get();
  }
}

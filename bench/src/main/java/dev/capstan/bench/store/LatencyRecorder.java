package dev.capstan.bench.store;

import java.util.Arrays;

/**
 * Collects request latencies in nanoseconds from many threads and reports percentiles.
 *
 * <p>Each worker thread owns one recorder (no contention on the hot path); {@link #merge} joins
 * them at the end of a run. Capacity grows as needed.
 */
public final class LatencyRecorder {
  private long[] nanos = new long[1024];
  private int count;

  public void record(long latencyNanos) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, nanos.length * 2);
    }
    nanos[count++] = latencyNanos;
  }

  public int count() {
    return count;
  }

  public static LatencyRecorder merge(Iterable<LatencyRecorder> parts) {
    LatencyRecorder all = new LatencyRecorder();
    for (LatencyRecorder p : parts) {
      for (int i = 0; i < p.count; i++) {
        all.record(p.nanos[i]);
      }
    }
    Arrays.sort(all.nanos, 0, all.count);
    return all;
  }

  /** The latency at quantile {@code q} (0..1) in milliseconds; the recorder must be merged. */
  public double millisAt(double q) {
    if (count == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
    return nanos[index] / 1e6;
  }
}

package dev.capstan.bench.host;

import dev.capstan.bench.store.MachineCpu;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What one thread waking another costs on this machine, with and without idle time between
 * wake-ups. Thread A wakes thread B ({@link LockSupport#unpark}) and parks until B wakes it back:
 * one round trip is two hand-offs, the pattern of a request passed from an event loop to a worker
 * and its answer passed back. Between round trips A waits a gap; with gaps of a millisecond or more
 * both threads, and usually both CPUs, are idle when the next hand-off comes, as the servers'
 * threads are at modest request rates.
 *
 * <p>Prints, per gap: round trips, the round trip's wall time (p50, p99), the CPU each thread used
 * per round trip (user + system, {@link ThreadMXBean}; A's includes waking from its own timed
 * wait) and the machine's busy time per round trip (all CPUs, from /proc/stat, as {@link MachineCpu} counts it).
 * The difference between the gaps is what an idle thread's wake-up costs beyond a busy one's.
 *
 * <p>Usage: {@code HandOffCost [--seconds 3] [--gaps-us 0,50,200,1000,5000]}
 */
public final class HandOffCost {
  private HandOffCost() {}

  public static void main(String[] args) throws Exception {
    int seconds = 3;
    long[] gapsUs = {0, 50, 200, 1000, 5000};
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--seconds" -> seconds = positive(v, "--seconds");
        case "--gaps-us" -> gapsUs = gaps(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (usage: HandOffCost [--seconds 3] [--gaps-us 0,50,200,1000,5000])");
      }
      i++;
    }
    // Unmeasured first pass: the JIT compiles the loops before any gap is measured.
    measure(0, TimeUnit.SECONDS.toNanos(1));
    StringBuilder out = new StringBuilder();
    out.append("| gap between round trips (µs) | round trips | round trip p50 (µs) | round trip p99 (µs)"
        + " | waker's CPU per round trip (µs) | woken thread's CPU per round trip (µs)"
        + " | machine busy per round trip (µs) |\n|---|---|---|---|---|---|---|\n");
    for (long gap : gapsUs) {
      Result r = measure(TimeUnit.MICROSECONDS.toNanos(gap), TimeUnit.SECONDS.toNanos(seconds));
      out.append(String.format(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f |%n", gap, r.roundTrips,
          r.percentileUs(0.50), r.percentileUs(0.99), r.wakerCpuNs / 1e3 / r.roundTrips,
          r.wokenCpuNs / 1e3 / r.roundTrips, r.machineBusyNs / 1e3 / r.roundTrips));
    }
    System.out.print(out);
  }

  private static int positive(String v, String name) {
    if (v == null) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": \"" + v + "\" is not a whole number", e);
    }
    if (n <= 0) {
      throw new IllegalArgumentException(name + ": must be positive, got " + n);
    }
    return n;
  }

  /** Round trips with {@code gapNs} between them, for {@code durationNs}. */
  static Result measure(long gapNs, long durationNs) throws InterruptedException {
    return new PingPong(gapNs).run(durationNs);
  }

  static long[] gaps(String v) {
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("--gaps-us needs a comma-separated list of microseconds");
    }
    return Arrays.stream(v.split(",")).mapToLong(s -> {
      try {
        long gap = Long.parseLong(s.trim());
        if (gap < 0) {
          throw new IllegalArgumentException("--gaps-us: " + gap + " is negative");
        }
        return gap;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--gaps-us: \"" + s + "\" is not a whole number of microseconds", e);
      }
    }).toArray();
  }

  /** One measured pass: round-trip wall times, shortest first, and the CPU spent. */
  record Result(long[] roundTripNs, int roundTrips, long wakerCpuNs, long wokenCpuNs, long machineBusyNs) {
    double percentileUs(double q) {
      return roundTripNs[Math.min(roundTrips - 1, (int) Math.ceil(q * roundTrips) - 1)] / 1e3;
    }
  }

  /** The calling thread is the waker (A); a second thread is woken (B) and wakes A back. */
  private static final class PingPong {
    private static final int IDLE = 0;
    private static final int TO_WOKEN = 1;
    private static final int TO_WAKER = 2;

    private final long gapNs;
    private volatile int turn = IDLE;
    private volatile boolean running = true;

    PingPong(long gapNs) {
      this.gapNs = gapNs;
    }

    Result run(long durationNs) throws InterruptedException {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      Thread waker = Thread.currentThread();
      Thread woken = new Thread(() -> {
        while (true) {
          while (turn != TO_WOKEN) {
            if (!running) {
              return;
            }
            LockSupport.park(this);
          }
          turn = TO_WAKER;
          LockSupport.unpark(waker);
        }
      }, "woken");
      woken.setDaemon(true);
      woken.start();
      long[] times = new long[1 << 16];
      int n = 0;
      long wokenCpu0 = threads.getThreadCpuTime(woken.getId());
      long wakerCpu0 = threads.getCurrentThreadCpuTime();
      long busy0 = machineBusyNs();
      long end = System.nanoTime() + durationNs;
      while (System.nanoTime() < end) {
        long start = System.nanoTime();
        turn = TO_WOKEN;
        LockSupport.unpark(woken);
        while (turn != TO_WAKER) {
          LockSupport.park(this);
        }
        long rt = System.nanoTime() - start;
        turn = IDLE;
        if (n == times.length) {
          times = Arrays.copyOf(times, n * 2);
        }
        times[n++] = rt;
        if (gapNs > 0) {
          long until = System.nanoTime() + gapNs;
          for (long left = gapNs; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
          }
        }
      }
      long wakerCpu = threads.getCurrentThreadCpuTime() - wakerCpu0;
      long wokenCpu = threads.getThreadCpuTime(woken.getId()) - wokenCpu0;
      long busy = machineBusyNs() - busy0;
      running = false;
      LockSupport.unpark(woken);
      woken.join();
      long[] sorted = Arrays.copyOf(times, n);
      Arrays.sort(sorted);
      return new Result(sorted, n, wakerCpu, wokenCpu, busy);
    }
  }

  /** All CPUs' busy time so far in ns ({@link MachineCpu}: 100 ticks a second). */
  private static long machineBusyNs() {
    MachineCpu.Sample sample = MachineCpu.sample();
    if (sample == null) {
      throw new IllegalStateException("/proc/stat cannot be read: this bench needs Linux");
    }
    return sample.busy() * 10_000_000L;
  }
}

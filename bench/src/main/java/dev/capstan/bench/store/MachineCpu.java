package dev.capstan.bench.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the whole machine's CPU time went unused over a run (the first line of /proc/stat:
 * idle and I/O wait against everything else), so a result can show whether its latency was the
 * servers' own or a saturated machine's queueing.
 */
public final class MachineCpu {

  private MachineCpu() {}

  /** Clock ticks the machine's CPUs had spent so far, busy and idle. */
  public record Sample(long busy, long idle) {}

  /** The machine's CPU ticks so far; null when /proc/stat cannot be read (not Linux). */
  public static Sample sample() {
    try {
      return parse(Files.readAllLines(Path.of("/proc/stat")).get(0));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Parses /proc/stat's "cpu" line: user, nice, system, idle, iowait, irq, softirq, steal (guest
   * time is already inside user and nice).
   */
  static Sample parse(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (!f[0].equals("cpu") || f.length < 9) {
      throw new IllegalArgumentException("not /proc/stat's cpu line: " + cpuLine);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    long busy = 0;
    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
      busy += Long.parseLong(f[i]);
    }
    return new Sample(busy, idle);
  }

  /** Percent of the machine's CPU time idle between two samples; NaN when unknown or no time passed. */
  public static double idlePercent(Sample before, Sample after) {
    if (before == null || after == null) {
      return Double.NaN;
    }
    long idle = after.idle() - before.idle();
    long total = idle + after.busy() - before.busy();
    return total <= 0 ? Double.NaN : 100.0 * idle / total;
  }
}

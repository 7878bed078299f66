package dev.capstan.agent.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The node's own CPU and memory use from procfs: busy CPU time summed over all cores since boot
 * ({@code /proc/stat}, everything but idle and iowait) and memory in use
 * ({@code MemTotal - MemAvailable} of {@code /proc/meminfo}, the kubelet's node working set).
 */
public final class HostUsage {
  /** USER_HZ: the unit of /proc/stat, 100 on every Linux architecture the JVM runs on. */
  private static final long TICKS_PER_SECOND = 100;

  private final Path proc;

  public HostUsage(Path proc) {
    this.proc = proc;
  }

  public static HostUsage system() {
    return new HostUsage(Path.of("/proc"));
  }

  /** One reading: cumulative busy CPU nanoseconds and bytes of memory in use. */
  public record Reading(long cpuBusyNanos, long memoryWorkingSetBytes) {}

  public Reading read() {
    try {
      return new Reading(busyNanos(Files.readAllLines(proc.resolve("stat"))),
          workingSet(Files.readAllLines(proc.resolve("meminfo"))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the node's usage from " + proc + ": " + e.getMessage(), e);
    }
  }

  static long busyNanos(List<String> stat) {
    for (String line : stat) {
      if (line.startsWith("cpu ")) {
        String[] f = line.trim().split("\\s+");
        long busy = 0;
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        for (int i = 1; i < f.length && i <= 8; i++) {
          if (i != 4 && i != 5) {
            busy += Long.parseLong(f[i]);
          }
        }
        return busy * (1_000_000_000L / TICKS_PER_SECOND);
      }
    }
    throw new IllegalStateException("/proc/stat has no cpu line");
  }

  static long workingSet(List<String> meminfo) {
    long total = -1;
    long available = -1;
    for (String line : meminfo) {
      if (line.startsWith("MemTotal:")) {
        total = kib(line);
      } else if (line.startsWith("MemAvailable:")) {
        available = kib(line);
      }
    }
    if (total < 0 || available < 0) {
      throw new IllegalStateException("/proc/meminfo lacks MemTotal or MemAvailable");
    }
    return (total - available) * 1024;
  }

  private static long kib(String line) {
    String[] f = line.trim().split("\\s+");
    return Long.parseLong(f[1]);
  }
}

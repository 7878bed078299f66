package dev.capstan.bench.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time the target's server processes have used (user + system, from /proc/PID/stat), so a
 * scenario can report CPU per operation: unlike latency, that hardly moves when other work
 * shares the machine.
 */
public final class ProcessCpu {

  /** Linux reports stat times in clock ticks; 100 per second on every platform we run on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcessCpu() {}

  /** Total CPU seconds of {@code pids}, or NaN when there are none or one is gone. */
  public static double seconds(List<Long> pids) {
    if (pids.isEmpty()) {
      return Double.NaN;
    }
    long ticks = 0;
    for (long pid : pids) {
      String stat;
      try {
        stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      } catch (IOException e) {
        return Double.NaN;
      }
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
    return ticks / TICKS_PER_SECOND;
  }
}

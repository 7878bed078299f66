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

  /** A process's CPU time so far, user and system, in seconds. */
  public record Usage(double user, double system) {
    public double total() {
      return user + system;
    }
  }

  /** Total CPU seconds of {@code pids}, or NaN when there are none or one is gone. */
  public static double seconds(List<Long> pids) {
    if (pids.isEmpty()) {
      return Double.NaN;
    }
    double seconds = 0;
    for (long pid : pids) {
      try {
        seconds += usage(pid).total();
      } catch (IOException e) {
        return Double.NaN;
      }
    }
    return seconds;
  }

  /** The CPU time of process {@code pid} (from /proc/PID/stat). */
  public static Usage usage(long pid) throws IOException {
    return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
  }

  /** The CPU time in a process's or thread's stat file (/proc/PID/stat, /proc/PID/task/TID/stat). */
  static Usage parse(String stat) {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new Usage(Long.parseLong(fields[11]) / TICKS_PER_SECOND, Long.parseLong(fields[12]) / TICKS_PER_SECOND);
  }
}

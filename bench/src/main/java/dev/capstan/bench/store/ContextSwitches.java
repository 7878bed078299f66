package dev.capstan.bench.store;

import java.io.UncheckedIOException;
import java.util.List;

/**
 * How often the threads of the target's server processes have been switched off their CPU so far
 * (voluntary and involuntary context switches, summed over /proc/PID/task/TID/status). A thread
 * counts one each time it goes to sleep (parks, waits for I/O) or is preempted, so work handed to
 * a sleeping thread costs at least one (the woken thread sleeping again), two when the sender
 * then waits for the answer; per operation this counts the thread hand-offs a design makes, which
 * CPU time alone does not tell apart from computation. Threads that exited between two readings
 * take their switches with them (an undercount).
 */
public final class ContextSwitches {

  private ContextSwitches() {}

  /** The switches of {@code pids}' live threads, or NaN when there are no pids or one is gone. */
  public static double count(List<Long> pids) {
    if (pids.isEmpty()) {
      return Double.NaN;
    }
    long total = 0;
    for (long pid : pids) {
      try {
        total += ofProcess(pid);
      } catch (UncheckedIOException e) {
        return Double.NaN;
      }
    }
    return total;
  }

  /** The switches of process {@code pid}'s live threads. */
  public static long ofProcess(long pid) {
    return ProcessTasks.read(pid, "status").values().stream().mapToLong(ContextSwitches::ofThread).sum();
  }

  /** The voluntary plus involuntary switches a thread's status file names. */
  static long ofThread(String status) {
    long switches = 0;
    for (String line : status.split("\n")) {
      if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
        switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return switches;
  }
}

package dev.capstan.bench.store;

import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How often the threads of the target's server processes have been switched off their CPU
 * (voluntary and involuntary context switches, from /proc/PID/task/TID/status). A thread counts
 * one each time it goes to sleep (parks, waits for I/O) or is preempted, so work handed to a
 * sleeping thread costs at least one (the woken thread sleeping again), two when the sender then
 * waits for the answer; per operation this counts the thread hand-offs a design makes, which CPU
 * time alone does not tell apart from computation.
 *
 * <p>Counts are taken per thread: {@link #read} notes every live thread's count, {@link #between}
 * adds up each thread's growth. A thread that ends between two readings takes its switches with
 * it (an undercount); a plain difference of two sums went negative when a pool's idle threads
 * expired during a run.
 */
public final class ContextSwitches {

  private ContextSwitches() {}

  /**
   * Every live thread of {@code pids} with its switches so far, by native thread id (unique across
   * processes), or null when there are no pids or one of them is gone.
   */
  public static Map<Long, Long> read(List<Long> pids) {
    if (pids.isEmpty()) {
      return null;
    }
    Map<Long, Long> byThread = new HashMap<>();
    for (long pid : pids) {
      try {
        ProcessTasks.read(pid, "status").forEach((tid, status) -> byThread.put(tid, ofThread(status)));
      } catch (UncheckedIOException e) {
        return null;
      }
    }
    return byThread;
  }

  /**
   * The switches from {@code before} to {@code after}: the growth of every thread in {@code after},
   * a thread not in {@code before} (started since, or a reused id whose count is lower) counted
   * from zero. NaN when either reading is null.
   */
  public static double between(Map<Long, Long> before, Map<Long, Long> after) {
    if (before == null || after == null) {
      return Double.NaN;
    }
    long total = 0;
    for (Map.Entry<Long, Long> thread : after.entrySet()) {
      total += growth(before, thread);
    }
    return total;
  }

  /** One thread's switches since {@code before}: from zero for a thread new since (or a reused id). */
  private static long growth(Map<Long, Long> before, Map.Entry<Long, Long> thread) {
    long earlier = before.getOrDefault(thread.getKey(), 0L);
    long now = thread.getValue();
    return now >= earlier ? now - earlier : now;
  }

  /**
   * The switches from {@code before} to {@code after} as {@link #between} counts them, summed by
   * what the threads do ({@link ThreadCpu#groups(List)}: Linux keeps only 15 characters of a
   * thread's name); a thread not in {@code groups} is "(ended)". Empty when a reading is null or no
   * thread could be named.
   */
  public static Map<String, Double> byGroup(Map<Long, String> groups, Map<Long, Long> before, Map<Long, Long> after) {
    if (before == null || after == null || groups.isEmpty()) {
      return Map.of();
    }
    Map<String, Double> sums = new HashMap<>();
    for (Map.Entry<Long, Long> thread : after.entrySet()) {
      sums.merge(groups.getOrDefault(thread.getKey(), "(ended)"), (double) growth(before, thread), Double::sum);
    }
    return sums;
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

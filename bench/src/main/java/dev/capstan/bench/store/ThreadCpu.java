package dev.capstan.bench.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time per thread of a running JVM, grouped by what the thread does. Linux keeps each
 * thread's CPU in /proc/PID/task/TID/stat but only the first 15 characters of its name, so the
 * full names (and whether a Netty event loop is Ratis' shaded one or the etcd endpoint's) come
 * from one {@code jcmd PID Thread.print}, matched by native thread id.
 */
public final class ThreadCpu {
  private static final Pattern THREAD_HEADER = Pattern.compile("^\"(.*)\" .*nid=(0x[0-9a-f]+|\\d+) .*");

  private ThreadCpu() {}

  /** CPU seconds so far of every thread of {@code pid}, keyed by native thread id. */
  static Map<Long, Double> sample(long pid) {
    Map<Long, Double> cpu = new HashMap<>();
    ProcessTasks.read(pid, "stat").forEach((tid, stat) -> cpu.put(tid, ProcessCpu.parse(stat).total()));
    return cpu;
  }

  /**
   * CPU seconds so far of every live thread of {@code pids}, keyed by native thread id (unique
   * across processes); null when a process is gone.
   */
  public static Map<Long, Double> sample(List<Long> pids) {
    return acrossProcesses(pids, ThreadCpu::sample, null);
  }

  /** Each live thread's group of all {@code pids}, keyed by native thread id; empty when one cannot be asked. */
  public static Map<Long, String> groups(List<Long> pids) {
    return acrossProcesses(pids, ThreadCpu::groups, Map.of());
  }

  /** One map of every process's threads; {@code ifFailed} when reading one of them fails. */
  private static <T> Map<Long, T> acrossProcesses(List<Long> pids, LongFunction<Map<Long, T>> perProcess,
      Map<Long, T> ifFailed) {
    Map<Long, T> all = new HashMap<>();
    try {
      pids.forEach(pid -> all.putAll(perProcess.apply(pid)));
    } catch (RuntimeException e) {
      return ifFailed;
    }
    return all;
  }

  /**
   * The CPU seconds each group's threads used from {@code before} to {@code after}: a thread not in
   * {@code before} counted from zero, one not in {@code groups} as "(ended)". Empty when a reading
   * is null or no thread could be named.
   */
  public static Map<String, Double> byGroup(Map<Long, String> groups, Map<Long, Double> before, Map<Long, Double> after) {
    if (before == null || after == null || groups.isEmpty()) {
      return Map.of();
    }
    Map<String, Double> sums = new HashMap<>();
    after.forEach((tid, seconds) -> {
      double earlier = before.getOrDefault(tid, 0.0);
      sums.merge(groups.getOrDefault(tid, "(ended)"), seconds >= earlier ? seconds - earlier : seconds, Double::sum);
    });
    return sums;
  }

  /** Each live thread's group (see {@link #group}), keyed by native thread id, from jcmd. */
  static Map<Long, String> groups(long pid) {
    String dump = jcmd(pid, "Thread.print");
    Map<Long, String> groups = new HashMap<>();
    String name = null;
    long nid = -1;
    StringBuilder stack = new StringBuilder();
    for (String line : (dump + "\n\n").split("\n")) {
      Matcher header = THREAD_HEADER.matcher(line);
      if (header.matches()) {
        name = header.group(1);
        String id = header.group(2);
        nid = id.startsWith("0x") ? Long.parseLong(id.substring(2), 16) : Long.parseLong(id);
        stack.setLength(0);
      } else if (line.isBlank() && name != null) {
        groups.put(nid, group(name, stack.toString()));
        name = null;
      } else if (name != null) {
        stack.append(line).append('\n');
      }
    }
    return groups;
  }

  /**
   * A thread's group: its name without numbers, with gRPC's event loops told apart by whether
   * they run Ratis' shaded gRPC (Raft traffic) or the plain one (the etcd endpoint, and on a
   * {@code capstan server} the API). The two
   * gRPCs' executor threads share one name and, idle, a stack that names neither: one group.
   */
  static String group(String name, String stack) {
    String general = name.replaceAll("\\d+", "N");
    if (general.startsWith("grpc-default-worker") || general.startsWith("grpc-default-boss")) {
      boolean ratis = stack.contains("org.apache.ratis.thirdparty");
      return general.replaceFirst("-ELG-N-N$", "") + (ratis ? " (Ratis, shaded gRPC)" : " (plain gRPC: etcd endpoint, API)");
    }
    // Ratis names a division's threads "<peer>@group-<id>-<role>" ("...-><follower>-<role>" for a
    // log appender); keep the role.
    return general.replaceFirst("^[^@]+@group-[^-]+-(>[^-]+-)?", "Raft division: ");
  }

  private static String jcmd(long pid, String command) {
    try {
      // The running JDK's own jcmd: it can attach to a JVM of the same version.
      Path ownJcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      String tool = Files.isExecutable(ownJcmd) ? ownJcmd.toString() : "jcmd";
      Process jcmd = new ProcessBuilder(tool, Long.toString(pid), command).redirectErrorStream(true).start();
      String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!jcmd.waitFor(1, TimeUnit.MINUTES) || jcmd.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("running jcmd", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

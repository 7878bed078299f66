package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a put's server CPU goes. {@code --clients} closed-loop jetcd clients put 256-byte values
 * (keys spread over 1,000 per client) through the target's etcd endpoints; after the warm-up, the
 * CPU each thread of the target's server processes uses over {@code --seconds} is grouped by what
 * the thread does ({@link ThreadCpu#group}) and reported per put, beside the Raft log entries the
 * puts took (the leader's raft index from Maintenance.Status before and after). Prints Markdown.
 *
 * <p>Usage: {@code StoreProfile --target name=http://h:p,...@pid,... [--clients 16]
 * [--warmup-seconds 60] [--seconds 20]}.
 */
public final class StoreProfile {
  private StoreProfile() {}

  public static void main(String[] args) throws Exception {
    Target target = null;
    int clients = 16;
    long warmupSeconds = 60;
    long seconds = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = Target.parse(value(args, ++i));
        case "--clients" -> clients = Integer.parseInt(value(args, ++i));
        case "--warmup-seconds" -> warmupSeconds = Long.parseLong(value(args, ++i));
        case "--seconds" -> seconds = Long.parseLong(value(args, ++i));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (usage: --target name=endpoints@pids [--clients N] [--warmup-seconds S] [--seconds S])");
      }
    }
    if (target == null || target.pids().isEmpty()) {
      throw new IllegalArgumentException("--target name=endpoints@pid,...: required, with the server pids");
    }
    if (clients < 1 || seconds < 1 || warmupSeconds < 0) {
      throw new IllegalArgumentException("--clients and --seconds must be positive, --warmup-seconds not negative");
    }
    try (Client client = Client.builder().endpoints(target.endpoints().toArray(String[]::new)).build()) {
      System.out.print(profile(client, target, clients, warmupSeconds, seconds));
    }
  }

  private static String profile(Client client, Target target, int clients, long warmupSeconds, long seconds)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    LongAdder puts = new LongAdder();
    ByteSequence value = ByteSequence.from(new byte[256]);
    CountDownLatch stopped = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      int worker = c;
      Thread thread = new Thread(() -> {
        try {
          for (int i = 0; !stop.get(); i++) {
            byte[] key = ("/profile/" + worker + "/" + (i % 1000)).getBytes(StandardCharsets.UTF_8);
            client.getKVClient().put(ByteSequence.from(key), value).get(30, TimeUnit.SECONDS);
            puts.increment();
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        } finally {
          stopped.countDown();
        }
      }, "profile-client-" + c);
      thread.setDaemon(true);
      thread.start();
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));

    Map<Long, Map<Long, String>> groups = new HashMap<>();
    Map<Long, Map<Long, Double>> before = new HashMap<>();
    for (long pid : target.pids()) {
      groups.put(pid, ThreadCpu.groups(pid));
    }
    long entriesBefore = raftIndex(client, target);
    long putsBefore = puts.sum();
    double processBefore = ProcessCpu.seconds(target.pids());
    for (long pid : target.pids()) {
      before.put(pid, ThreadCpu.sample(pid));
    }
    long start = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    Map<Long, Map<Long, Double>> after = new HashMap<>();
    for (long pid : target.pids()) {
      after.put(pid, ThreadCpu.sample(pid));
    }
    double processSeconds = ProcessCpu.seconds(target.pids()) - processBefore;
    long measuredPuts = puts.sum() - putsBefore;
    double elapsed = (System.nanoTime() - start) / 1e9;
    long entries = raftIndex(client, target) - entriesBefore;
    stop.set(true);
    stopped.await(1, TimeUnit.MINUTES);
    if (failure.get() != null) {
      throw new IllegalStateException("a put failed", failure.get());
    }
    if (measuredPuts == 0) {
      throw new IllegalStateException("no put completed in the measured " + seconds + " s");
    }

    Map<String, Double> byGroup = new HashMap<>();
    for (long pid : target.pids()) {
      for (Map.Entry<Long, Double> thread : after.get(pid).entrySet()) {
        double used = thread.getValue() - before.get(pid).getOrDefault(thread.getKey(), 0.0);
        String group = groups.get(pid).getOrDefault(thread.getKey(), "threads started while measuring");
        byGroup.merge(group, used, Double::sum);
      }
    }
    double threadSeconds = byGroup.values().stream().mapToDouble(Double::doubleValue).sum();
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "# Where a put's server CPU goes: %s, %d clients, %d s after %d s of warm-up%n%n",
        target.name(), clients, seconds, warmupSeconds));
    out.append(String.format(Locale.ROOT, "- puts/s: %.0f%n- server CPU per put: %.3f ms (%.2f cores)%n"
            + "- puts per Raft log entry: %.2f (%d entries)%n%n",
        measuredPuts / elapsed, processSeconds * 1000 / measuredPuts, processSeconds / elapsed,
        entries > 0 ? (double) measuredPuts / entries : Double.NaN, entries));
    out.append("| thread group (all server processes) | CPU per put (ms) | share |\n|---|---|---|\n");
    List<Map.Entry<String, Double>> rows = new ArrayList<>(byGroup.entrySet());
    rows.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    for (Map.Entry<String, Double> row : rows) {
      if (row.getValue() * 1000 / measuredPuts < 0.005) {
        continue;
      }
      out.append(String.format(Locale.ROOT, "| %s | %.3f | %.1f %% |%n", row.getKey(),
          row.getValue() * 1000 / measuredPuts, 100 * row.getValue() / threadSeconds));
    }
    return out.toString();
  }

  /** The highest raft index any endpoint reports (the leader's, or close to it). */
  private static long raftIndex(Client client, Target target) throws Exception {
    long index = 0;
    for (String endpoint : target.endpoints()) {
      index = Math.max(index, client.getMaintenanceClient().statusMember(endpoint).get(10, TimeUnit.SECONDS)
          .getRaftIndex());
    }
    return index;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }
}

package dev.capstan.bench.store;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store's write path without any RPC in front of it: three Raft store peers in this JVM on
 * loopback ports (default tuning, so fsync on every peer), closed-loop writers putting 1 KiB
 * values through the {@link RatisKeyValueStore} of a follower or of the leader. Prints, per round,
 * puts/s, this process's CPU per put (user and system, {@link ProcessCpu}), p50/p99 latency, how
 * many log entries carried the writes, its threads' context switches per put
 * ({@link ContextSwitches}), and where the CPU went by thread (names with their numbers
 * and group ids folded). All three peers share the process, so CPU per put is the cluster's.
 * Compare commits by running this at each: it isolates Raft and the state machine from gRPC
 * serving, TLS and the apiserver.
 *
 * <p>Usage: {@code InProcessWrites [--writers 16] [--seconds 10] [--rounds 2] [--via follower|leader|all]
 * [--threads 12]} ({@code all}: the writers round-robin over the three peers' stores); the first round warms the JIT up.
 */
public final class InProcessWrites {
  private InProcessWrites() {}

  public static void main(String[] args) throws Exception {
    int writers = 16;
    int seconds = 10;
    int rounds = 2;
    int threadsShown = 12;
    String via = "follower";
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--writers" -> writers = Integer.parseInt(required(v, "--writers"));
        case "--seconds" -> seconds = Integer.parseInt(required(v, "--seconds"));
        case "--rounds" -> rounds = Integer.parseInt(required(v, "--rounds"));
        case "--threads" -> threadsShown = Integer.parseInt(required(v, "--threads"));
        case "--via" -> via = required(v, "--via");
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      i++;
    }
    if (!List.of("follower", "leader", "all").contains(via)) {
      throw new IllegalArgumentException("--via: \"" + via + "\" is not one of follower, leader, all");
    }
    Path root = Files.createTempDirectory("capstan-inprocess-writes");
    List<String> ids = List.of("s1", "s2", "s3");
    List<String> members = new ArrayList<>();
    for (String id : ids) {
      members.add(id + "=127.0.0.1:" + freePort());
    }
    List<RaftStorePeer> peers = new ArrayList<>();
    try {
      for (int i = 0; i < ids.size(); i++) {
        String address = members.get(i).substring(members.get(i).indexOf('=') + 1);
        peers.add(new RaftStorePeer(new RaftStorePeer.Config(ids.get(i), root.resolve(ids.get(i)), address, members,
            RaftStorePeer.Tuning.defaults())).start());
      }
      // "all" spreads the writers over every peer's store, as clients spread over endpoints.
      RaftStorePeer picked = pick(peers, via.equals("all") ? "leader" : via);
      List<RaftStorePeer> targets = via.equals("all") ? peers : List.of(picked);
      List<RatisKeyValueStore> stores = targets.stream().map(RatisKeyValueStore::new).toList();
      try {
        for (int round = 0; round < rounds; round++) {
          System.out.println(round(stores, peers, writers, seconds, via, round, threadsShown));
        }
      } finally {
        stores.forEach(RatisKeyValueStore::close);
      }
    } finally {
      peers.forEach(RaftStorePeer::close);
    }
  }

  private static RaftStorePeer pick(List<RaftStorePeer> peers, String via) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (RaftStorePeer p : peers) {
        if (p.isLeader() && peers.stream().allMatch(q -> q.leaderId().filter(p.id()::equals).isPresent())) {
          return via.equals("leader") ? p : peers.stream().filter(q -> q != p).findFirst().orElseThrow();
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no leader agreed on in 30 s");
  }

  private static String round(List<RatisKeyValueStore> stores, List<RaftStorePeer> peers, int writers, int seconds, String via,
      int round, int threadsShown) throws Exception {
    ByteString value = ByteString.copyFrom(new byte[1024]);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong puts = new AtomicLong();
    List<LatencyRecorder> latencies = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      String prefix = "/bench/" + w + "/";
      LatencyRecorder mine = new LatencyRecorder();
      RatisKeyValueStore store = stores.get(w % stores.size());
      latencies.add(mine);
      threads.add(new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          long start = System.nanoTime();
          store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(prefix + (i % 1000))).setValue(value)
              .build()).join();
          mine.record(System.nanoTime() - start);
          puts.incrementAndGet();
        }
      }, "bench-writer-" + w));
    }
    // Log entries committed meanwhile (every write's, nothing else writes): the leader's commit index.
    RaftStorePeer leader = peers.stream().filter(RaftStorePeer::isLeader).findFirst().orElseThrow();
    long entries0 = leader.commitIndex();
    Map<String, Long> byThread0 = cpuByThread();
    ProcessCpu.Usage cpu0 = ProcessCpu.usage(ProcessHandle.current().pid());
    Map<Long, Long> switches0 = ContextSwitches.read(List.of(ProcessHandle.current().pid()));
    long start = System.nanoTime();
    threads.forEach(Thread::start);
    Thread.sleep(Duration.ofSeconds(seconds).toMillis());
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    ProcessCpu.Usage cpu1 = ProcessCpu.usage(ProcessHandle.current().pid());
    double switches = ContextSwitches.between(switches0, ContextSwitches.read(List.of(ProcessHandle.current().pid())));
    Map<String, Long> byThread1 = cpuByThread();
    long entries = leader.commitIndex() - entries0;
    long n = puts.get();
    LatencyRecorder all = LatencyRecorder.merge(latencies);
    double user = (cpu1.user() - cpu0.user()) * 1000 / n;
    double system = (cpu1.system() - cpu0.system()) * 1000 / n;
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "round %d, via %s, %d writers: %d puts, %.0f puts/s, CPU per put %.3f ms (user %.3f, system %.3f), "
            + "p50 %.2f ms, p99 %.2f ms, %d log entries (%.1f writes each), %.1f context switches per put%n",
        round, via, writers, n, n / elapsed, user + system, user, system, all.millisAt(0.50), all.millisAt(0.99),
        entries, (double) n / Math.max(1, entries), (double) switches / n));
    Map<String, Long> delta = new HashMap<>();
    byThread1.forEach((name, nanos) -> delta.put(name, nanos - byThread0.getOrDefault(name, 0L)));
    delta.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(threadsShown)
        .forEach(e -> out.append(String.format(Locale.ROOT, "    %-55s %.3f ms per put%n", e.getKey(),
            e.getValue() / 1e6 / n)));
    return out.toString();
  }

  /** CPU time of the live threads, summed by name with trailing numbers and Ratis group ids folded. */
  private static Map<String, Long> cpuByThread() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> byName = new HashMap<>();
    for (long id : mx.getAllThreadIds()) {
      ThreadInfo info = mx.getThreadInfo(id);
      long nanos = mx.getThreadCpuTime(id);
      if (info != null && nanos >= 0) {
        String name = info.getThreadName().replaceAll("group-[0-9A-F]+", "group").replaceAll("[0-9]+$", "");
        byName.merge(name, nanos, Long::sum);
      }
    }
    return byName;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String required(String value, String flag) {
    if (value == null) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return value;
  }
}

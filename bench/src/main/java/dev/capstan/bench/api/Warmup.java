package dev.capstan.bench.api;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.client.CapstanClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Unmeasured load before anything is measured: the servers are JVMs, and their first requests
 * run in the interpreter and the JIT compiler, which says nothing about their steady state. Eight
 * closed-loop clients, spread over the servers, each create a few pods and then update, get and
 * list them, creating a new one every tenth round, for a fixed time. The change alternates between
 * an update and a JSON merge patch: every verb the latency runs measure is warmed (patch was not,
 * and measured its servers' first patches: p99 two to three times update's).
 */
final class Warmup {
  private Warmup() {}

  /** Returns how many requests were sent. */
  static long run(List<CapstanClient> clients, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int threads = 8;
    long[] sent = new long[threads];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int worker = t;
      CapstanClient client = clients.get(t % clients.size());
      workers.add(new Thread(() -> {
        List<Pod> mine = new ArrayList<>();
        for (long i = 0; System.nanoTime() < deadline; i++) {
          try {
            if (mine.size() < 10 || i % 10 == 0) {
              mine.add(client.pods().create(BenchPods.pod("bench-warmup", "w-" + worker + "-" + i)));
              sent[worker]++;
              continue;
            }
            int slot = (int) (i % mine.size());
            Pod p = mine.get(slot);
            mine.set(slot, i % 2 == 0
                ? client.pods().update(p.toBuilder()
                    .setMetadata(p.getMetadata().toBuilder().putLabels("bench-seq", Long.toString(i))).build())
                : client.pods().patch("bench-warmup", p.getMetadata().getName(),
                    "{\"metadata\":{\"labels\":{\"bench-patch\":\"" + i + "\"}}}"));
            client.pods().get("bench-warmup", p.getMetadata().getName());
            client.pods().listPage(ListRequest.newBuilder().setNamespace("bench-warmup").setLimit(500).build());
            sent[worker] += 3;
          } catch (RuntimeException e) {
            // A failed warm-up request is no result; the measured scenarios report failures.
            sent[worker]++;
          }
        }
      }, "warmup-" + t));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }
    long total = 0;
    for (long n : sent) {
      total += n;
    }
    return total;
  }
}

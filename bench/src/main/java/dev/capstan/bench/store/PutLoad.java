package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Closed-loop put load: {@code clients} workers each send a put and wait for its answer before
 * the next, {@code putsPerClient} times, with values of {@code valueBytes}. Reports throughput
 * and p50/p99 latency. Keys spread over a fixed key space so the store sees updates, not only
 * creates.
 */
final class PutLoad {
  private final int clients;
  private final int putsPerClient;
  private final int valueBytes;

  PutLoad(int clients, int putsPerClient, int valueBytes) {
    this.clients = clients;
    this.putsPerClient = putsPerClient;
    this.valueBytes = valueBytes;
  }

  List<ScenarioResult> run(Client client, Target target, String prefix) throws InterruptedException {
    ByteSequence value = ByteSequence.from(new byte[valueBytes]);
    List<LatencyRecorder> recorders = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int c = 0; c < clients; c++) {
      LatencyRecorder rec = new LatencyRecorder();
      recorders.add(rec);
      int worker = c;
      workers.add(new Thread(() -> {
        for (int i = 0; i < putsPerClient; i++) {
          ByteSequence key = ByteSequence.from((prefix + worker + "/" + (i % 1000)).getBytes());
          long start = System.nanoTime();
          try {
            client.getKVClient().put(key, value).get();
          } catch (ExecutionException e) {
            failures.add(e.getCause());
            return;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          rec.record(System.nanoTime() - start);
        }
      }, "put-" + c));
    }
    long start = System.nanoTime();
    workers.forEach(Thread::start);
    for (Thread t : workers) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!failures.isEmpty()) {
      throw new IllegalStateException(target.name() + ": " + failures.size() + " puts failed, first: " + failures.get(0), failures.get(0));
    }
    LatencyRecorder all = LatencyRecorder.merge(recorders);
    String name = "put " + valueBytes + " B, " + clients + " clients";
    return List.of(
        new ScenarioResult(name, target.name(), "throughput", all.count() / seconds, "puts/s"),
        new ScenarioResult(name, target.name(), "p50", all.millisAt(0.50), "ms"),
        new ScenarioResult(name, target.name(), "p99", all.millisAt(0.99), "ms"));
  }
}

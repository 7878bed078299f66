package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.List;

/**
 * Compare-and-swap on hot keys, the apiserver's update pattern: each worker reads a counter,
 * then commits {@code If(mod_revision == seen) Then(put seen+1) Else(get)}, retrying on conflict
 * with the value the failed txn returned, until it has made {@code updatesPerClient} increments.
 * Reports committed updates per second, conflicts, and latency per txn. At the end each hot key
 * must hold exactly the number of increments made on it: a lost update would show here.
 */
final class CasLoad {
  private final int clients;
  private final int hotKeys;
  private final int updatesPerClient;

  CasLoad(int clients, int hotKeys, int updatesPerClient) {
    this.clients = clients;
    this.hotKeys = hotKeys;
    this.updatesPerClient = updatesPerClient;
  }

  List<ScenarioResult> run(Client client, Target target, String prefix) throws Exception {
    for (int k = 0; k < hotKeys; k++) {
      client.getKVClient().put(key(prefix, k), ByteSequence.from("0".getBytes()), PutOption.DEFAULT).get();
    }
    java.util.concurrent.atomic.AtomicLong conflicts = new java.util.concurrent.atomic.AtomicLong();
    Workers.Run run = Workers.run(target.name() + " cas", clients, (worker, rec) -> {
      ByteSequence key = key(prefix, worker % hotKeys);
      KeyValue seen = client.getKVClient().get(key, GetOption.DEFAULT).get().getKvs().get(0);
      int done = 0;
      while (done < updatesPerClient) {
        long next = Long.parseLong(seen.getValue().toString()) + 1;
        long start = System.nanoTime();
        TxnResponse r = client.getKVClient().txn()
            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(seen.getModRevision())))
            .Then(Op.put(key, ByteSequence.from(Long.toString(next).getBytes()), PutOption.DEFAULT),
                Op.get(key, GetOption.DEFAULT))
            .Else(Op.get(key, GetOption.DEFAULT))
            .commit().get();
        rec.record(System.nanoTime() - start);
        seen = r.getGetResponses().get(0).getKvs().get(0);
        if (r.isSucceeded()) {
          done++;
        } else {
          conflicts.incrementAndGet();
        }
      }
    });
    double seconds = run.seconds();
    long total = 0;
    for (int k = 0; k < hotKeys; k++) {
      total += Long.parseLong(client.getKVClient().get(key(prefix, k)).get().getKvs().get(0).getValue().toString());
    }
    if (total != (long) clients * updatesPerClient) {
      throw new IllegalStateException(target.name() + ": lost updates: counters sum to " + total + ", expected " + (long) clients * updatesPerClient);
    }
    LatencyRecorder all = run.latencies();
    String name = "txn CAS, " + clients + " clients on " + hotKeys + " hot keys";
    return List.of(
        new ScenarioResult(name, target.name(), "committed", total / seconds, "updates/s"),
        new ScenarioResult(name, target.name(), "conflicts", conflicts.get(), "txns"),
        new ScenarioResult(name, target.name(), "p50", all.millisAt(0.50), "ms"),
        new ScenarioResult(name, target.name(), "p99", all.millisAt(0.99), "ms"));
  }

  private static ByteSequence key(String prefix, int k) {
    return ByteSequence.from((prefix + "hot-" + k).getBytes());
  }
}

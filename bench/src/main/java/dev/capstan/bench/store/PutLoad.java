package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.util.List;
import java.util.Map;

/**
 * Closed-loop put load: {@code clients} workers each send a put and wait for its answer before
 * the next, {@code putsPerClient} times, with values of {@code valueBytes}. Reports throughput,
 * p50/p99 latency, the CPU the target's server processes spent and the context switches their
 * threads made per put (NaN without pids), and how much of the machine's CPU went unused. Keys
 * spread over a fixed key space so the store sees updates, not only creates.
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
    double cpuBefore = ProcessCpu.seconds(target.pids());
    Map<Long, Long> switchesBefore = ContextSwitches.read(target.pids());
    MachineCpu.Sample machineBefore = MachineCpu.sample();
    Workers.Run run = Workers.run(target.name() + " put", clients, (worker, rec) -> {
      for (int i = 0; i < putsPerClient; i++) {
        ByteSequence key = ByteSequence.from((prefix + worker + "/" + (i % 1000)).getBytes());
        long start = System.nanoTime();
        client.getKVClient().put(key, value).get();
        rec.record(System.nanoTime() - start);
      }
    });
    double cpuSeconds = ProcessCpu.seconds(target.pids()) - cpuBefore;
    double switches = ContextSwitches.between(switchesBefore, ContextSwitches.read(target.pids()));
    double machineIdle = MachineCpu.idlePercent(machineBefore, MachineCpu.sample());
    LatencyRecorder all = run.latencies();
    double seconds = run.seconds();
    String name = "put " + valueBytes + " B, " + clients + " clients";
    return List.of(
        new ScenarioResult(name, target.name(), "throughput", all.count() / seconds, "puts/s"),
        new ScenarioResult(name, target.name(), "p50", all.millisAt(0.50), "ms"),
        new ScenarioResult(name, target.name(), "p99", all.millisAt(0.99), "ms"),
        new ScenarioResult(name, target.name(), "server CPU per put", cpuSeconds * 1000 / all.count(), "ms"),
        new ScenarioResult(name, target.name(), "server context switches per put", switches / all.count(), "switches"),
        new ScenarioResult(name, target.name(), "machine idle", machineIdle, "%"));
  }
}

package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A large prefix range, the shape of an apiserver's LIST: loads {@code keys} keys of
 * {@code valueBytes} under a prefix, then reads the whole prefix {@code repetitions} times
 * (linearizable) and reports p50/p99 of one read.
 */
final class RangeLoad {
  private final int keys;
  private final int valueBytes;
  private final int repetitions;

  RangeLoad(int keys, int valueBytes, int repetitions) {
    this.keys = keys;
    this.valueBytes = valueBytes;
    this.repetitions = repetitions;
  }

  List<ScenarioResult> run(Client client, Target target, String prefix) throws Exception {
    ByteSequence value = ByteSequence.from(new byte[valueBytes]);
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      inFlight.add(client.getKVClient().put(ByteSequence.from((prefix + String.format("%06d", i)).getBytes()), value));
      if (inFlight.size() == 256) {
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
        inFlight.clear();
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
    ByteSequence pfx = ByteSequence.from(prefix.getBytes(StandardCharsets.UTF_8));
    LatencyRecorder rec = new LatencyRecorder();
    for (int r = 0; r < repetitions; r++) {
      long start = System.nanoTime();
      long count = client.getKVClient().get(pfx, GetOption.builder().isPrefix(true).build()).get().getCount();
      rec.record(System.nanoTime() - start);
      if (count != keys) {
        throw new IllegalStateException(target.name() + ": prefix range returned " + count + " keys, expected " + keys);
      }
    }
    LatencyRecorder all = LatencyRecorder.merge(List.of(rec));
    String name = "range " + keys + " keys x " + valueBytes + " B";
    return List.of(
        new ScenarioResult(name, target.name(), "p50", all.millisAt(0.50), "ms"),
        new ScenarioResult(name, target.name(), "p99", all.millisAt(0.99), "ms"));
  }
}

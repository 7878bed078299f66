package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Memory with many keys: the resident set (VmRSS) of the target's server processes, summed,
 * before and after writing {@code keys} keys of {@code valueBytes}. Needs the targets' pids.
 */
final class MemoryLoad {
  private final int keys;
  private final int valueBytes;

  MemoryLoad(int keys, int valueBytes) {
    this.keys = keys;
    this.valueBytes = valueBytes;
  }

  List<ScenarioResult> run(Client client, Target target, String prefix) throws Exception {
    if (target.pids().isEmpty()) {
      return List.of();
    }
    long before = residentKiB(target.pids());
    byte[] raw = new byte[valueBytes];
    new java.util.Random(7).nextBytes(raw);
    ByteSequence value = ByteSequence.from(raw);
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      inFlight.add(client.getKVClient().put(ByteSequence.from((prefix + i).getBytes()), value));
      if (inFlight.size() == 256) {
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
        inFlight.clear();
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
    long after = residentKiB(target.pids());
    String name = "memory, " + keys + " keys x " + valueBytes + " B, all members";
    return List.of(
        new ScenarioResult(name, target.name(), "RSS before", before / 1024.0, "MiB"),
        new ScenarioResult(name, target.name(), "RSS after", after / 1024.0, "MiB"));
  }

  static long residentKiB(List<Long> pids) throws IOException {
    long sum = 0;
    for (long pid : pids) {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    }
    return sum;
  }
}

package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Unmeasured load before the scenarios, the same length for every target: puts, single-key gets
 * and small prefix ranges from a few clients for a fixed time. A JVM store otherwise spends the
 * first measured requests in the interpreter and the JIT compiler, which says nothing about its
 * steady state (and etcd, compiled ahead of time, needs none of it).
 */
final class Warmup {
  private final int clients;
  private final long seconds;

  Warmup(int clients, long seconds) {
    this.clients = clients;
    this.seconds = seconds;
  }

  /** Returns how many requests were sent. */
  long run(Client client, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ByteSequence value = ByteSequence.from(new byte[256]);
    ByteSequence rangePrefix = ByteSequence.from(prefix.getBytes(StandardCharsets.UTF_8));
    long[] sent = new long[clients];
    List<Thread> workers = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int worker = c;
      workers.add(new Thread(() -> {
        for (long i = 0; System.nanoTime() < deadline; i++) {
          ByteSequence key = ByteSequence.from((prefix + worker + "/" + (i % 50)).getBytes(StandardCharsets.UTF_8));
          try {
            client.getKVClient().put(key, value).get();
            client.getKVClient().get(key).get();
            if (i % 10 == 0) {
              client.getKVClient().get(rangePrefix, GetOption.builder().isPrefix(true).build()).get();
            }
            sent[worker] += i % 10 == 0 ? 3 : 2;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            // A failed warm-up request is no result; the measured scenarios report failures.
          }
        }
      }, "warmup-" + c));
    }
    workers.forEach(Thread::start);
    for (Thread t : workers) {
      t.join();
    }
    long total = 0;
    for (long n : sent) {
      total += n;
    }
    return total;
  }
}

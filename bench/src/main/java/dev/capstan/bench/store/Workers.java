package dev.capstan.bench.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Runs {@code count} closed-loop workers on their own threads, each with its own
 * {@link LatencyRecorder}, and waits for all of them. A worker that fails stops; the run then
 * fails naming the first error.
 */
final class Workers {
  /** One worker's loop. */
  interface Body {
    void run(int worker, LatencyRecorder recorder) throws Exception;
  }

  /** What a run measured. */
  record Run(LatencyRecorder latencies, double seconds) {}

  private Workers() {}

  static Run run(String name, int count, Body body) throws InterruptedException {
    List<LatencyRecorder> recorders = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < count; w++) {
      LatencyRecorder rec = new LatencyRecorder();
      recorders.add(rec);
      int worker = w;
      threads.add(new Thread(() -> {
        try {
          body.run(worker, rec);
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Exception e) {
          failures.add(e);
        }
      }, name + "-" + w));
    }
    long start = System.nanoTime();
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!failures.isEmpty()) {
      throw new IllegalStateException(name + ": " + failures.size() + " workers failed, first: " + failures.get(0),
          failures.get(0));
    }
    return new Run(LatencyRecorder.merge(recorders), seconds);
  }
}

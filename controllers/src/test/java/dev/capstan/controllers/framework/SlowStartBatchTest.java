package dev.capstan.controllers.framework;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SlowStartBatchTest {
  private final ExecutorService executor = Executors.newFixedThreadPool(8);

  @AfterEach
  void shutDown() {
    executor.shutdownNow();
  }

  @Test
  void runsAllCallsInDoublingBatches() {
    AtomicInteger calls = new AtomicInteger();
    SlowStartBatch.Result r = SlowStartBatch.run(10, 1, executor, calls::incrementAndGet);
    assertThat(r.succeeded()).isEqualTo(10);
    assertThat(r.firstError()).isEmpty();
    assertThat(calls).hasValue(10);
  }

  @Test
  void stopsAfterTheFirstBatchWithAFailure() {
    // Batches 1, 2, 4, 8: the 4th call (in the third batch) fails, so batch 8 never starts.
    AtomicInteger calls = new AtomicInteger();
    List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
    SlowStartBatch.Result r = SlowStartBatch.run(15, 1, Runnable::run, () -> {
      int n = calls.incrementAndGet();
      batchSizes.add(n);
      if (n == 4) {
        throw new IllegalStateException("quota exceeded");
      }
    });
    assertThat(calls).hasValue(7);
    assertThat(r.succeeded()).isEqualTo(6);
    assertThat(r.firstError()).get().extracting(Throwable::getMessage).isEqualTo("quota exceeded");
  }

  @Test
  void firstFailureStopsAfterOneCall() {
    AtomicInteger calls = new AtomicInteger();
    SlowStartBatch.Result r = SlowStartBatch.run(100, 1, executor, () -> {
      calls.incrementAndGet();
      throw new IllegalStateException("namespace is terminating");
    });
    assertThat(calls).hasValue(1);
    assertThat(r.succeeded()).isZero();
  }

  @Test
  void zeroCallsDoNothing() {
    assertThat(SlowStartBatch.run(0, 1, executor, () -> { throw new AssertionError(); }).succeeded()).isZero();
  }
}

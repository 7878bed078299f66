package dev.capstan.controllers.framework;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs many identical API calls in batches that double in size (1, 2, 4, ...), as Kubernetes'
 * controllers create pods: if a call fails (quota exceeded, the namespace is going away), it fails
 * after one call rather than after hundreds. Calls within one batch run in parallel; after a batch
 * with a failure no further batch starts.
 */
public final class SlowStartBatch {
  /** One call of the batch. */
  @FunctionalInterface
  public interface Call {
    void run() throws Exception;
  }

  /**
   * The outcome.
   *
   * @param succeeded how many calls succeeded; {@code count - succeeded} failed or never ran
   * @param firstError the first failure, if any
   */
  public record Result(int succeeded, Optional<Throwable> firstError) {}

  private SlowStartBatch() {}

  public static Result run(int count, int initialBatchSize, Executor executor, Call call) {
    if (count < 0) {
      throw new IllegalArgumentException("count: must be non-negative, got " + count);
    }
    if (initialBatchSize < 1) {
      throw new IllegalArgumentException("initialBatchSize: must be positive, got " + initialBatchSize);
    }
    Objects.requireNonNull(executor, "executor");
    AtomicInteger succeeded = new AtomicInteger();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    int remaining = count;
    for (int batch = Math.min(remaining, initialBatchSize); batch > 0;
        batch = Math.min(2 * batch, remaining)) {
      List<CompletableFuture<Void>> calls = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        calls.add(CompletableFuture.runAsync(() -> {
          try {
            call.run();
            succeeded.incrementAndGet();
          } catch (Exception e) {
            firstError.compareAndSet(null, e);
          }
        }, executor));
      }
      try {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
      } catch (CompletionException e) {
        firstError.compareAndSet(null, e.getCause());
      }
      if (firstError.get() != null) {
        break;
      }
      remaining -= batch;
    }
    return new Result(succeeded.get(), Optional.ofNullable(firstError.get()));
  }
}

package dev.capstan.controllers.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.client.metrics.MetricSamples;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ControllerLoopTest {
  @Test
  void failedKeysAreRetriedUntilTheySucceed() {
    AtomicInteger attempts = new AtomicInteger();
    List<String> done = new CopyOnWriteArrayList<>();
    try (ControllerLoop loop = new ControllerLoop("test", Clock.systemUTC(), key -> {
      if (attempts.incrementAndGet() < 3) {
        throw Status.ABORTED.withDescription("conflict").asRuntimeException();
      }
      done.add(key);
    })) {
      loop.start(2);
      loop.enqueue("default/web");
      await().atMost(Duration.ofSeconds(10)).until(() -> done.contains("default/web"));
      assertThat(attempts).hasValue(3);
    }
  }

  @Test
  void oneKeyIsNeverReconciledByTwoWorkersAtOnce() throws Exception {
    Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    AtomicInteger maxParallelSameKey = new AtomicInteger();
    AtomicInteger reconciled = new AtomicInteger();
    CountDownLatch firstEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ControllerLoop loop = new ControllerLoop("test", Clock.systemUTC(), key -> {
      int n = inFlight.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      maxParallelSameKey.accumulateAndGet(n, Math::max);
      firstEntered.countDown();
      release.await(10, TimeUnit.SECONDS);
      inFlight.get(key).decrementAndGet();
      reconciled.incrementAndGet();
    })) {
      loop.start(4);
      loop.enqueue("default/web");
      assertThat(firstEntered.await(10, TimeUnit.SECONDS)).isTrue();
      // Added while being reconciled: reconciled again afterwards, by one worker.
      loop.enqueue("default/web");
      loop.enqueue("default/web");
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> reconciled.get() == 2);
      assertThat(maxParallelSameKey).hasValue(1);
    }
  }

  @Test
  void syncsAreCountedByResultAndTheQueueByControllerName() {
    PrometheusRegistry registry = new PrometheusRegistry();
    AtomicInteger attempts = new AtomicInteger();
    try (ControllerLoop loop = new ControllerLoop("web-controller", Clock.systemUTC(),
        new ControllerMetrics(registry), key -> {
          int n = attempts.incrementAndGet();
          if (n == 1) {
            throw Status.ABORTED.withDescription("conflict").asRuntimeException();
          }
          if (n == 2) {
            throw new IllegalStateException("boom");
          }
        })) {
      loop.start(1);
      loop.enqueue("default/web");
      await().atMost(Duration.ofSeconds(10)).until(() -> syncs(registry, "success") == 1);
      assertThat(syncs(registry, "conflict")).isEqualTo(1);
      assertThat(syncs(registry, "error")).isEqualTo(1);
      MetricSamples samples = MetricSamples.scrape(registry);
      assertThat(samples.value("workqueue_retries_total", "name", "web-controller")).hasValue(2);
      assertThat(samples.value("workqueue_adds_total", "name", "web-controller")).hasValue(3);
      assertThat(samples.count("workqueue_work_duration_seconds", "name", "web-controller")).isEqualTo(3);
      assertThat(samples.value("workqueue_depth", "name", "web-controller")).hasValue(0);
    }
  }

  private static double syncs(PrometheusRegistry registry, String result) {
    return MetricSamples.scrape(registry).value("capstan_controller_syncs_total", "name", "web-controller",
        "result", result).orElse(0);
  }

  @Test
  void closeStopsTheWorkers() {
    ControllerLoop loop = new ControllerLoop("test", Clock.systemUTC(), key -> { });
    loop.start(2);
    loop.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("test-worker-")));
  }
}

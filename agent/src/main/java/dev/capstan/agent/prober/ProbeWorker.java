package dev.capstan.agent.prober;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Probe;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes one container with one probe every {@code periodSeconds} after
 * {@code initialDelaySeconds}, and turns attempts into a result with the probe's thresholds:
 * {@code failureThreshold} failures in a row make it fail, {@code successThreshold} successes in
 * a row make it pass. Calls {@code onChange} whenever the result flips. A startup probe stops
 * once it has passed; the other two wait while {@code mayRun} is false (the startup probe has
 * not passed yet).
 */
final class ProbeWorker {
  private static final Logger log = LoggerFactory.getLogger(ProbeWorker.class);
  static final int DEFAULT_PERIOD_SECONDS = 10;
  static final int DEFAULT_SUCCESS_THRESHOLD = 1;
  static final int DEFAULT_FAILURE_THRESHOLD = 3;

  private final ProbeType type;
  private final Probe probe;
  private final Container container;
  private final String containerId;
  private final String podIp;
  private final String podKey;
  private final Prober prober;
  private final BooleanSupplier mayRun;
  private final Runnable onChange;
  private final Consumer<String> onFailing;
  private final int successThreshold;
  private final int failureThreshold;
  private int successes;
  private int failures;
  private volatile boolean passing;
  private volatile String lastFailure = "";
  private Runnable cancel;

  ProbeWorker(ProbeType type, Probe probe, Container container, String containerId, String podIp, String podKey,
      Prober prober, BooleanSupplier mayRun, Runnable onChange, Consumer<String> onFailing) {
    this.type = type;
    this.probe = probe;
    this.container = container;
    this.containerId = containerId;
    this.podIp = podIp;
    this.podKey = podKey;
    this.prober = prober;
    this.mayRun = mayRun;
    this.onChange = onChange;
    this.onFailing = onFailing;
    this.successThreshold = probe.getSuccessThreshold() > 0 ? probe.getSuccessThreshold() : DEFAULT_SUCCESS_THRESHOLD;
    this.failureThreshold = probe.getFailureThreshold() > 0 ? probe.getFailureThreshold() : DEFAULT_FAILURE_THRESHOLD;
    // Kubernetes' initial results: not ready, alive, not started.
    this.passing = type == ProbeType.LIVENESS;
  }

  synchronized void start(ProbeScheduler scheduler) {
    int period = probe.getPeriodSeconds() > 0 ? probe.getPeriodSeconds() : DEFAULT_PERIOD_SECONDS;
    cancel = scheduler.schedule(this::runOnce, Duration.ofSeconds(Math.max(0, probe.getInitialDelaySeconds())),
        Duration.ofSeconds(period));
  }

  synchronized void stop() {
    if (cancel != null) {
      cancel.run();
    }
  }

  boolean passing() {
    return passing;
  }

  /** Why the last failing attempt failed. */
  String lastFailure() {
    return lastFailure;
  }

  /** One attempt. */
  void runOnce() {
    try {
      if (!mayRun.getAsBoolean() || (type == ProbeType.STARTUP && passing)) {
        return;
      }
      ProbeOutcome outcome = prober.probe(probe, container, containerId, podIp);
      if (record(outcome)) {
        log.info("pod {}: container {}: {} probe {}{}", podKey, container.getName(), type.displayName().toLowerCase(),
            passing ? "passed" : "failed", passing ? "" : ": " + outcome.message());
        if (!passing) {
          onFailing.accept(type.displayName() + " probe failed: " + outcome.message());
        }
        onChange.run();
      }
    } catch (RuntimeException e) {
      // A worker that throws would silently stop being scheduled.
      log.warn("pod {}: container {}: {} probe errored", podKey, container.getName(), type.displayName(), e);
    }
  }

  /** Counts an attempt; returns whether the result flipped. */
  private synchronized boolean record(ProbeOutcome outcome) {
    if (outcome.success()) {
      successes++;
      failures = 0;
      if (!passing && successes >= successThreshold) {
        passing = true;
        return true;
      }
    } else {
      failures++;
      successes = 0;
      lastFailure = outcome.message();
      if (passing && failures >= failureThreshold) {
        passing = false;
        return true;
      }
      // A startup probe counts failures from the start: it has no "passing" to lose.
      if (type == ProbeType.STARTUP && failures == failureThreshold) {
        return true;
      }
    }
    return false;
  }

  /** Whether this probe has failed past its threshold (for startup: never passed, threshold reached). */
  synchronized boolean failedPastThreshold() {
    return !passing && failures >= failureThreshold;
  }
}

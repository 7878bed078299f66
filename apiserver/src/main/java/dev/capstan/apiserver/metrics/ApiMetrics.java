package dev.capstan.apiserver.metrics;

import dev.capstan.apiserver.ratelimit.InFlightLimitInterceptor;
import dev.capstan.apiserver.watch.WatchCache;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The apiserver's Prometheus metrics, in a registry of its own (several apiservers may share a
 * JVM in tests): requests by kind, verb and gRPC code with their latency, open watchers and
 * watch cache sizes per kind, audit lines dropped, requests refused by the rate limit, and the
 * JVM's own metrics. Recording is lock-free; the gauges are read from the caches only when
 * {@code /metrics} is scraped.
 */
public final class ApiMetrics {
  /** Latency buckets in seconds: from a cached read (ms) to a write waiting on a slow store. */
  private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      5, 10, 30, 60};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final List<WatchCache<?>> caches = new CopyOnWriteArrayList<>();
  private final Counter requests;
  private final Histogram latency;
  private final Counter auditDropped;
  private final Counter rateLimited;
  private final Counter inFlightRefused;

  public ApiMetrics() {
    requests = Counter.builder().name("capstan_apiserver_requests_total")
        .help("API requests completed, by kind, verb and gRPC status code")
        .labelNames("kind", "verb", "code").register(registry);
    latency = Histogram.builder().name("capstan_apiserver_request_duration_seconds")
        .help("Latency of unary API requests (watches and log streams are left out: they last as long as the client"
            + " wants), by kind, verb and gRPC status code")
        .labelNames("kind", "verb", "code").classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars()
        .register(registry);
    GaugeWithCallback.builder().name("capstan_apiserver_watchers")
        .help("Watches open now, by kind").labelNames("kind")
        .callback(cb -> caches.forEach(c -> cb.call(c.watcherCount(), c.kind().resource()))).register(registry);
    GaugeWithCallback.builder().name("capstan_apiserver_watch_cache_objects")
        .help("Objects held by the watch cache, by kind").labelNames("kind")
        .callback(cb -> caches.forEach(c -> cb.call(c.cachedObjects(), c.kind().resource()))).register(registry);
    GaugeWithCallback.builder().name("capstan_apiserver_watch_cache_window_events")
        .help("Recent events the watch cache keeps for watches that resume, by kind").labelNames("kind")
        .callback(cb -> caches.forEach(c -> cb.call(c.windowEvents(), c.kind().resource()))).register(registry);
    auditDropped = Counter.builder().name("capstan_apiserver_audit_events_dropped_total")
        .help("Audit log lines dropped because the writer fell behind (its queue was full)").register(registry);
    rateLimited = Counter.builder().name("capstan_apiserver_rate_limited_requests_total")
        .help("API requests refused with RESOURCE_EXHAUSTED by the per-user rate limit").register(registry);
    inFlightRefused = Counter.builder().name("capstan_apiserver_inflight_refused_requests_total")
        .help("API requests refused with RESOURCE_EXHAUSTED because the apiserver was serving its limit of requests"
            + " at once (--max-requests-inflight, --max-mutating-requests-inflight)").register(registry);
    JvmMetrics.builder().register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Reports the cache's watchers and sizes from now on. */
  public void watch(WatchCache<?> cache) {
    caches.add(cache);
  }

  /** Records one finished request; {@code nanos} counts only for unary methods. */
  public void recordRequest(ApiMethod method, Status.Code code, long nanos) {
    requests.labelValues(method.kind(), method.verb(), code.name()).inc();
    if (method.unary()) {
      latency.labelValues(method.kind(), method.verb(), code.name()).observe(nanos / 1e9);
    }
  }

  public void auditEventDropped() {
    auditDropped.inc();
  }

  public void requestRateLimited() {
    rateLimited.inc();
  }

  public void requestInFlightRefused() {
    inFlightRefused.inc();
  }

  /** Reports the requests the interceptor is serving now, by ceiling, from now on. */
  public void watch(InFlightLimitInterceptor inFlight) {
    GaugeWithCallback.builder().name("capstan_apiserver_current_inflight_requests")
        .help("API requests being served now that count against an in-flight ceiling, by request kind"
            + " (readOnly, mutating)").labelNames("request_kind")
        .callback(cb -> {
          cb.call(inFlight.readOnlyInFlight(), "readOnly");
          cb.call(inFlight.mutatingInFlight(), "mutating");
        }).register(registry);
  }
}

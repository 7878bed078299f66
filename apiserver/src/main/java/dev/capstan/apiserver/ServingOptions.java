package dev.capstan.apiserver;

import dev.capstan.apiserver.ratelimit.RateLimit;

/**
 * How the apiserver is watched and protected, beyond serving the API: the port of its plain-HTTP
 * Prometheus {@code /metrics} endpoint (-1 = none, 0 = any free port), where its audit log of
 * mutating requests goes (a file, {@code -} for stdout, null for none), and the per-user rate
 * limit.
 */
public record ServingOptions(int metricsPort, String auditLogPath, RateLimit rateLimit) {
  /** No metrics endpoint, no audit log, no rate limit (metrics are still recorded in memory). */
  public static final ServingOptions NONE = new ServingOptions(-1, null, RateLimit.OFF);

  public ServingOptions {
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port must be -1 (none), 0 (any) or 1-65535, got " + metricsPort);
    }
    if (auditLogPath != null && auditLogPath.isBlank()) {
      throw new IllegalArgumentException("audit log path must be a file or \"-\" for stdout, got a blank one");
    }
    if (rateLimit == null) {
      rateLimit = RateLimit.OFF;
    }
  }

  public ServingOptions withMetricsPort(int port) {
    return new ServingOptions(port, auditLogPath, rateLimit);
  }

  public ServingOptions withAuditLogPath(String path) {
    return new ServingOptions(metricsPort, path, rateLimit);
  }

  public ServingOptions withRateLimit(RateLimit limit) {
    return new ServingOptions(metricsPort, auditLogPath, limit);
  }
}

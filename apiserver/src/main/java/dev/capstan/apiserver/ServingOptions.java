package dev.capstan.apiserver;

import dev.capstan.apiserver.audit.AuditPolicy;
import dev.capstan.apiserver.ratelimit.InFlightLimit;
import dev.capstan.apiserver.ratelimit.RateLimit;

/**
 * How the apiserver is watched and protected, beyond serving the API: the port of its plain-HTTP
 * Prometheus {@code /metrics} endpoint (-1 = none, 0 = any free port), where its audit log goes
 * (a file, {@code -} for stdout, null for none), which requests that log records (the audit
 * policy; {@link AuditPolicy#DEFAULT}, mutating requests at Metadata, when none is given), and
 * the per-user rate limit and the ceilings on requests served at once.
 */
public record ServingOptions(int metricsPort, String auditLogPath, AuditPolicy auditPolicy, RateLimit rateLimit,
    InFlightLimit inFlightLimit) {
  /**
   * No metrics endpoint, no audit log, no rate limit, no in-flight ceilings (metrics are still
   * recorded in memory).
   */
  public static final ServingOptions NONE = new ServingOptions(-1, null, null, RateLimit.OFF, InFlightLimit.OFF);

  public ServingOptions {
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port must be -1 (none), 0 (any) or 1-65535, got " + metricsPort);
    }
    if (auditLogPath != null && auditLogPath.isBlank()) {
      throw new IllegalArgumentException("audit log path must be a file or \"-\" for stdout, got a blank one");
    }
    if (auditPolicy == null) {
      auditPolicy = AuditPolicy.DEFAULT;
    }
    if (rateLimit == null) {
      rateLimit = RateLimit.OFF;
    }
    if (inFlightLimit == null) {
      inFlightLimit = InFlightLimit.OFF;
    }
  }

  public ServingOptions withMetricsPort(int port) {
    return new ServingOptions(port, auditLogPath, auditPolicy, rateLimit, inFlightLimit);
  }

  public ServingOptions withAuditLogPath(String path) {
    return new ServingOptions(metricsPort, path, auditPolicy, rateLimit, inFlightLimit);
  }

  public ServingOptions withAuditPolicy(AuditPolicy policy) {
    return new ServingOptions(metricsPort, auditLogPath, policy, rateLimit, inFlightLimit);
  }

  public ServingOptions withRateLimit(RateLimit limit) {
    return new ServingOptions(metricsPort, auditLogPath, auditPolicy, limit, inFlightLimit);
  }

  public ServingOptions withInFlightLimit(InFlightLimit limit) {
    return new ServingOptions(metricsPort, auditLogPath, auditPolicy, rateLimit, limit);
  }
}

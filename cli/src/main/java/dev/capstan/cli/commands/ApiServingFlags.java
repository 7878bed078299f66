package dev.capstan.cli.commands;

import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.audit.AuditPolicy;
import dev.capstan.apiserver.audit.AuditPolicyException;
import dev.capstan.apiserver.ratelimit.InFlightLimit;
import dev.capstan.apiserver.ratelimit.RateLimit;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The apiserver's metrics, audit, rate-limit and in-flight flags, shared by {@code capstan server} and
 * {@code capstan up}.
 */
public final class ApiServingFlags {
  /** Out of the way of the API (6443), etcd (2379), Raft (2380) and agent (10250) ports. */
  static final int DEFAULT_METRICS_PORT = 6060;

  @Option(names = "--metrics-port", description = "Prometheus /metrics over plain HTTP, on the API's bind address"
      + " (default: " + DEFAULT_METRICS_PORT + "; 0 turns it off)")
  int metricsPort = DEFAULT_METRICS_PORT;

  @Option(names = "--audit-log-path", description = "append a JSON line per audited API request to this file"
      + " (\"-\" = stdout; default: no audit log)")
  String auditLogPath;

  @Option(names = "--audit-policy-file", description = "an audit.k8s.io/v1 Policy (YAML or JSON) deciding which"
      + " requests --audit-log-path records and at which level (default: mutating requests at Metadata)")
  Path auditPolicyFile;

  @Option(names = "--max-requests-per-second", description = "per-user API request rate limit; over it a request"
      + " gets RESOURCE_EXHAUSTED (default: 0 = no limit)")
  double maxRequestsPerSecond;

  @Option(names = "--max-requests-burst", description = "requests a user may make at once after a quiet spell"
      + " (default: twice --max-requests-per-second, at least 1)")
  Integer maxRequestsBurst;

  @Option(names = "--max-requests-inflight", description = "read-only API requests (get, list) this server serves"
      + " at once; over it a request gets RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}; 0 = no limit; watches and"
      + " log streams do not count)")
  int maxRequestsInflight = InFlightLimit.DEFAULT.readOnly();

  @Option(names = "--max-mutating-requests-inflight", description = "mutating API requests (create, update, patch,"
      + " delete, ...) this server serves at once; over it a request gets RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE};"
      + " 0 = no limit)")
  int maxMutatingRequestsInflight = InFlightLimit.DEFAULT.mutating();

  /** The options these flags ask for; a bad value is reported naming its flag. */
  ServingOptions options() {
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new CliException("--metrics-port must be 1-65535, or 0 to turn metrics off; got " + metricsPort);
    }
    if (auditLogPath != null && auditLogPath.isBlank()) {
      throw new CliException("--audit-log-path must be a file, or \"-\" for stdout");
    }
    AuditPolicy policy = auditPolicyFile == null ? null : auditPolicy();
    if (!(maxRequestsPerSecond >= 0) || Double.isInfinite(maxRequestsPerSecond)) {
      throw new CliException("--max-requests-per-second must be a number >= 0 (0 = no limit); got "
          + maxRequestsPerSecond);
    }
    if (maxRequestsBurst != null && maxRequestsBurst < 1) {
      throw new CliException("--max-requests-burst must be at least 1; got " + maxRequestsBurst);
    }
    int burst = maxRequestsBurst != null ? maxRequestsBurst : (int) Math.max(1, Math.ceil(2 * maxRequestsPerSecond));
    RateLimit limit = maxRequestsPerSecond == 0 ? RateLimit.OFF : new RateLimit(maxRequestsPerSecond, burst);
    if (maxRequestsInflight < 0) {
      throw new CliException("--max-requests-inflight must be >= 0 (0 = no limit); got " + maxRequestsInflight);
    }
    if (maxMutatingRequestsInflight < 0) {
      throw new CliException("--max-mutating-requests-inflight must be >= 0 (0 = no limit); got "
          + maxMutatingRequestsInflight);
    }
    return new ServingOptions(metricsPort == 0 ? -1 : metricsPort, auditLogPath, policy, limit,
        new InFlightLimit(maxRequestsInflight, maxMutatingRequestsInflight));
  }

  private AuditPolicy auditPolicy() {
    if (auditLogPath == null) {
      throw new CliException("--audit-policy-file needs --audit-log-path: the policy decides what that log records");
    }
    try {
      return AuditPolicy.load(auditPolicyFile);
    } catch (AuditPolicyException e) {
      throw new CliException("--audit-policy-file " + auditPolicyFile + ": " + e.getMessage());
    } catch (IOException e) {
      throw new CliException("--audit-policy-file: cannot read " + auditPolicyFile + ": " + e.getMessage());
    }
  }
}

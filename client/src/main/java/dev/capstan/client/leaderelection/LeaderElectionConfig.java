package dev.capstan.client.leaderelection;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link LeaderElector} competes for a Lease. The timing rules are Kubernetes':
 * {@code leaseDuration > renewDeadline > 1.2 * retryPeriod > 0}.
 *
 * @param leaseNamespace namespace of the Lease object (it must exist)
 * @param leaseName name of the Lease object, e.g. "capstan-scheduler"
 * @param identity this candidate's unique identity, written as the lease's holderIdentity
 * @param leaseDuration how long after the holder's last renewal others wait before taking over
 * @param renewDeadline how long the leader keeps trying to renew before it gives up leadership
 * @param retryPeriod the pause between two attempts to acquire or renew
 */
public record LeaderElectionConfig(String leaseNamespace, String leaseName, String identity,
    Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
  public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
  public static final Duration DEFAULT_RENEW_DEADLINE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_RETRY_PERIOD = Duration.ofSeconds(2);

  public LeaderElectionConfig {
    requireNonBlank(leaseNamespace, "leaseNamespace");
    requireNonBlank(leaseName, "leaseName");
    requireNonBlank(identity, "identity");
    Objects.requireNonNull(leaseDuration, "leaseDuration");
    Objects.requireNonNull(renewDeadline, "renewDeadline");
    Objects.requireNonNull(retryPeriod, "retryPeriod");
    if (retryPeriod.isNegative() || retryPeriod.isZero()) {
      throw new IllegalArgumentException("retryPeriod: must be positive, got " + retryPeriod);
    }
    if (leaseDuration.compareTo(renewDeadline) <= 0) {
      throw new IllegalArgumentException(
          "leaseDuration: must be greater than renewDeadline (" + leaseDuration + " <= " + renewDeadline + ")");
    }
    // Kubernetes' rule: a renewal must get at least one retry (with jitter) before the deadline.
    if (renewDeadline.toNanos() <= retryPeriod.toNanos() * 12 / 10) {
      throw new IllegalArgumentException(
          "renewDeadline: must be greater than 1.2 * retryPeriod (" + renewDeadline + " vs " + retryPeriod + ")");
    }
  }

  /** The Kubernetes defaults: lease 15 s, renew deadline 10 s, retry every 2 s. */
  public static LeaderElectionConfig withDefaults(String leaseNamespace, String leaseName, String identity) {
    return new LeaderElectionConfig(leaseNamespace, leaseName, identity, DEFAULT_LEASE_DURATION,
        DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD);
  }

  private static void requireNonBlank(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": required");
    }
  }
}

package dev.capstan.controllers.nodelifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Holds evictions back when many nodes are down at once, since then the likelier fault is the
 * network or the control plane, not the nodes; evicting everything would only make it worse.
 * Evictions are started by putting a NoExecute taint on a node, so this paces the NoExecute taints:
 *
 * <ul>
 *   <li>normal (at most half the nodes not Ready): at most one node newly tainted NoExecute per
 *       {@code normalInterval} (10 s, Kubernetes' 0.1 node/s), the first at once;</li>
 *   <li>partial disruption (more than half, not all, not Ready): one node per
 *       {@code partialInterval} (100 s, Kubernetes' 0.01 node/s for large clusters);</li>
 *   <li>full disruption (every node not Ready): none, and the NoExecute taints already set are
 *       removed, as Kubernetes does, so that no pod is evicted until some node is back.</li>
 * </ul>
 * Nodes that already carry their NoExecute taint keep it (except in full disruption). Thread-safe.
 */
public final class EvictionPolicy {
  public static final Duration DEFAULT_NORMAL_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_PARTIAL_INTERVAL = Duration.ofSeconds(100);

  public enum Mode { NORMAL, PARTIAL_DISRUPTION, FULL_DISRUPTION }

  private final Duration normalInterval;
  private final Duration partialInterval;
  private Instant nextAdmission = Instant.MIN;

  public EvictionPolicy() {
    this(DEFAULT_NORMAL_INTERVAL, DEFAULT_PARTIAL_INTERVAL);
  }

  public EvictionPolicy(Duration normalInterval, Duration partialInterval) {
    this.normalInterval = Objects.requireNonNull(normalInterval, "normalInterval");
    this.partialInterval = Objects.requireNonNull(partialInterval, "partialInterval");
  }

  public static Mode mode(int nodes, int notReady) {
    if (nodes <= 0 || notReady <= 0) {
      return Mode.NORMAL;
    }
    if (notReady >= nodes) {
      return Mode.FULL_DISRUPTION;
    }
    return notReady * 2 > nodes ? Mode.PARTIAL_DISRUPTION : Mode.NORMAL;
  }

  /**
   * Asks to put a NoExecute taint on one more node now. ZERO = go ahead (the permit is used up);
   * otherwise how long to wait before asking again; null = not at all in this mode.
   */
  public synchronized Duration admitNewTaint(Mode mode, Instant now) {
    if (mode == Mode.FULL_DISRUPTION) {
      return null;
    }
    if (now.isBefore(nextAdmission)) {
      return Duration.between(now, nextAdmission);
    }
    nextAdmission = now.plus(mode == Mode.NORMAL ? normalInterval : partialInterval);
    return Duration.ZERO;
  }
}

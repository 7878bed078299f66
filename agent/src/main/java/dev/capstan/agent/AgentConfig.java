package dev.capstan.agent;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.server.AgentTls;
import dev.capstan.client.selector.DnsNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link Agent} runs.
 *
 * @param nodeName this node's name (a lowercase DNS subdomain)
 * @param dataDir where pod logs ({@code <dataDir>/pods/<uid>/<container>/<attempt>.log}) and pod volumes
 *     ({@code <dataDir>/volumes/<uid>/<volume>}) go
 * @param advertiseAddress the node's InternalIP: reported as hostIP, and where the agent listens
 * @param port the agent's gRPC port (10250; 0 picks a free one)
 * @param runtime the container runtime; the caller owns it and closes it after the agent
 * @param initialBackOff the first crash-loop back-off (10 s)
 * @param maxBackOff the longest crash-loop back-off (5 min)
 * @param backOffReset a container running this long starts over at the initial back-off (10 min)
 * @param resyncInterval how often every pod is synced without a change (10 s)
 * @param nodeStatusInterval how often the node posts its status (10 s)
 * @param leaseRenewInterval how often the node Lease is renewed (10 s)
 * @param shutdownGracePeriod the SIGTERM-to-SIGKILL time containers get when the agent closes (2 s)
 * @param stopPodsOnClose whether closing the agent stops its pods' containers (true: {@code capstan
 *     up}, whose pods live and die with it); false leaves them running for the next agent on this
 *     node to adopt, as a kubelet restart does
 * @param tls the agent port's TLS: its serving certificate, the cluster CA and the apiserver's
 *     name, so that only the apiserver is served; null serves plaintext to anyone (for tests that
 *     embed an agent; every agent the {@code capstan} binary starts has it)
 */
public record AgentConfig(
    String nodeName,
    Path dataDir,
    String advertiseAddress,
    int port,
    ContainerRuntime runtime,
    Duration initialBackOff,
    Duration maxBackOff,
    Duration backOffReset,
    Duration resyncInterval,
    Duration nodeStatusInterval,
    Duration leaseRenewInterval,
    Duration shutdownGracePeriod,
    boolean stopPodsOnClose,
    AgentTls tls) {

  public static final int DEFAULT_PORT = 10250;

  public AgentConfig {
    if (nodeName == null || nodeName.length() > 253 || !DnsNames.isDns1123Subdomain(nodeName)) {
      throw new IllegalArgumentException("nodeName: must be a lowercase DNS subdomain (e.g. \"node-1\"), got \""
          + nodeName + "\"");
    }
    Objects.requireNonNull(dataDir, "dataDir");
    if (advertiseAddress == null || advertiseAddress.isEmpty()) {
      throw new IllegalArgumentException("advertiseAddress: required");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: must be 0..65535, got " + port);
    }
    Objects.requireNonNull(runtime, "runtime");
    requirePositive(initialBackOff, "initialBackOff");
    requirePositive(maxBackOff, "maxBackOff");
    if (maxBackOff.compareTo(initialBackOff) < 0) {
      throw new IllegalArgumentException("maxBackOff: must be >= initialBackOff (" + initialBackOff + "), got " + maxBackOff);
    }
    requirePositive(backOffReset, "backOffReset");
    requirePositive(resyncInterval, "resyncInterval");
    requirePositive(nodeStatusInterval, "nodeStatusInterval");
    requirePositive(leaseRenewInterval, "leaseRenewInterval");
    Objects.requireNonNull(shutdownGracePeriod, "shutdownGracePeriod");
    if (shutdownGracePeriod.isNegative()) {
      throw new IllegalArgumentException("shutdownGracePeriod: must not be negative, got " + shutdownGracePeriod);
    }
    dataDir = dataDir.toAbsolutePath();
  }

  /** A config with the defaults for everything but identity, place and runtime. */
  public static AgentConfig of(String nodeName, Path dataDir, String advertiseAddress, int port, ContainerRuntime runtime) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, Duration.ofSeconds(10),
        Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofSeconds(10), Duration.ofSeconds(10),
        Duration.ofSeconds(10), Duration.ofSeconds(2), true, null);
  }

  public AgentConfig withBackOff(Duration initial, Duration max) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initial, max, backOffReset,
        resyncInterval, nodeStatusInterval, leaseRenewInterval, shutdownGracePeriod, stopPodsOnClose, tls);
  }

  public AgentConfig withResyncInterval(Duration d) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initialBackOff, maxBackOff, backOffReset,
        d, nodeStatusInterval, leaseRenewInterval, shutdownGracePeriod, stopPodsOnClose, tls);
  }

  public AgentConfig withNodeStatusInterval(Duration d) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initialBackOff, maxBackOff, backOffReset,
        resyncInterval, d, leaseRenewInterval, shutdownGracePeriod, stopPodsOnClose, tls);
  }

  public AgentConfig withLeaseRenewInterval(Duration d) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initialBackOff, maxBackOff, backOffReset,
        resyncInterval, nodeStatusInterval, d, shutdownGracePeriod, stopPodsOnClose, tls);
  }

  public AgentConfig withShutdownGracePeriod(Duration d) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initialBackOff, maxBackOff, backOffReset,
        resyncInterval, nodeStatusInterval, leaseRenewInterval, d, stopPodsOnClose, tls);
  }

  public AgentConfig withStopPodsOnClose(boolean stop) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initialBackOff, maxBackOff, backOffReset,
        resyncInterval, nodeStatusInterval, leaseRenewInterval, shutdownGracePeriod, stop, tls);
  }

  /** Serves the agent port with mutual TLS for the apiserver alone. */
  public AgentConfig withTls(AgentTls t) {
    return new AgentConfig(nodeName, dataDir, advertiseAddress, port, runtime, initialBackOff, maxBackOff, backOffReset,
        resyncInterval, nodeStatusInterval, leaseRenewInterval, shutdownGracePeriod, stopPodsOnClose, t);
  }

  /** Where pods' log directories live. */
  public Path podLogRoot() {
    return dataDir.resolve("pods");
  }

  /** Where pods' volume directories (emptyDir, configMap, secret) live. */
  public Path podVolumeRoot() {
    return dataDir.resolve("volumes");
  }

  private static void requirePositive(Duration d, String field) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": must be positive, got " + d);
    }
  }
}

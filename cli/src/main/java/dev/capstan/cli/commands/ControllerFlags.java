package dev.capstan.cli.commands;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The controller manager's flags, shared by {@code capstan server} and {@code capstan up}. */
public final class ControllerFlags {
  @Option(names = "--node-monitor-grace-period", paramLabel = "DURATION",
      description = "how long a node's agent may stay silent (no Lease renewal, no status) before the node is"
          + " marked Unknown and tainted unreachable, as kube-controller-manager's flag (default: 40s)")
  String nodeMonitorGracePeriod = "40s";

  Duration nodeMonitorGracePeriod() {
    Duration d = DurationFlag.parse("--node-monitor-grace-period", nodeMonitorGracePeriod);
    if (d.isNegative() || d.isZero()) {
      throw new CliException("--node-monitor-grace-period: must be positive, got \"" + nodeMonitorGracePeriod + "\"");
    }
    return d;
  }
}

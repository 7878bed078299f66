package dev.capstan.cli.commands;

import dev.capstan.controllers.ControllerOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The controller manager's flags, shared by {@code capstan server} and {@code capstan up}. */
public final class ControllerFlags {
  @Option(names = "--node-monitor-grace-period", paramLabel = "DURATION",
      description = "how long a node's agent may stay silent (no Lease renewal, no status) before the node is"
          + " marked Unknown and tainted unreachable, as kube-controller-manager's flag (default: 40s)")
  String nodeMonitorGracePeriod = "40s";

  @Option(names = "--terminated-pod-gc-threshold", paramLabel = "N",
      description = "how many finished (Succeeded, Failed) pods to keep before the pod garbage collector deletes"
          + " the oldest; 0 keeps them all, as kube-controller-manager's flag (default: 12500)")
  int terminatedPodGcThreshold = 12_500;

  Duration nodeMonitorGracePeriod() {
    Duration d = DurationFlag.parse("--node-monitor-grace-period", nodeMonitorGracePeriod);
    if (d.isNegative() || d.isZero()) {
      throw new CliException("--node-monitor-grace-period: must be positive, got \"" + nodeMonitorGracePeriod + "\"");
    }
    return d;
  }

  int terminatedPodGcThreshold() {
    if (terminatedPodGcThreshold < 0) {
      throw new CliException("--terminated-pod-gc-threshold: must be 0 (keep all) or more, got "
          + terminatedPodGcThreshold);
    }
    return terminatedPodGcThreshold;
  }

  /** The controller manager's options these flags set. */
  ControllerOptions options() {
    return new ControllerOptions(nodeMonitorGracePeriod(), terminatedPodGcThreshold());
  }
}

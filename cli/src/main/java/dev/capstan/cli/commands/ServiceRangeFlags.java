package dev.capstan.cli.commands;

import dev.capstan.apiserver.allocation.ServiceRanges;
import picocli.CommandLine.Option;

/**
 * Where Services' cluster IPs and node ports come from, shared by {@code capstan server} and
 * {@code capstan up}. Every server of one cluster must be given the same ranges.
 */
public final class ServiceRangeFlags {
  @Option(names = "--service-cluster-ip-range", description = "IPv4 CIDR Services' cluster IPs are allocated from;"
      + " the same on every server (default: " + ServiceRanges.DEFAULT_CLUSTER_IP_RANGE + ")")
  String clusterIpRange = ServiceRanges.DEFAULT_CLUSTER_IP_RANGE;

  @Option(names = "--service-node-port-range", description = "ports NodePort Services' node ports are allocated"
      + " from, FIRST-LAST; the same on every server (default: " + ServiceRanges.DEFAULT_NODE_PORT_RANGE + ")")
  String nodePortRange = ServiceRanges.DEFAULT_NODE_PORT_RANGE;

  /** The ranges these flags ask for; a bad value is reported naming its flag. */
  ServiceRanges ranges() {
    try {
      ServiceRanges.parse(clusterIpRange, ServiceRanges.DEFAULT_NODE_PORT_RANGE);
    } catch (IllegalArgumentException e) {
      throw new CliException("--service-cluster-ip-range: " + e.getMessage());
    }
    try {
      return ServiceRanges.parse(clusterIpRange, nodePortRange);
    } catch (IllegalArgumentException e) {
      throw new CliException("--service-node-port-range: " + e.getMessage());
    }
  }
}

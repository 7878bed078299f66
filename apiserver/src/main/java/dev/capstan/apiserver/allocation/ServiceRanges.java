package dev.capstan.apiserver.allocation;

import java.util.Objects;

/**
 * Where Services get their virtual addresses from: the cluster IP range
 * ({@code --service-cluster-ip-range}, default 10.96.0.0/12, as kube-apiserver's) and the node
 * port range ({@code --service-node-port-range}, default 30000-32767). Every apiserver on one
 * store must be given the same ranges.
 */
public record ServiceRanges(Ipv4Cidr clusterIpRange, int nodePortMin, int nodePortMax) {
  public static final String DEFAULT_CLUSTER_IP_RANGE = "10.96.0.0/12";
  public static final String DEFAULT_NODE_PORT_RANGE = "30000-32767";

  public ServiceRanges {
    Objects.requireNonNull(clusterIpRange, "clusterIpRange");
    if (clusterIpRange.prefixLength() > 30) {
      // A /31 or /32 leaves no address once the network and broadcast addresses are set aside.
      throw new IllegalArgumentException("\"" + clusterIpRange + "\" is too small: the prefix must be at most /30");
    }
    if (nodePortMin < 1 || nodePortMax > 65535 || nodePortMin > nodePortMax) {
      throw new IllegalArgumentException("\"" + nodePortMin + "-" + nodePortMax
          + "\" is not a port range (e.g. 30000-32767)");
    }
  }

  public static ServiceRanges defaults() {
    return new ServiceRanges(Ipv4Cidr.parse(DEFAULT_CLUSTER_IP_RANGE), 30000, 32767);
  }

  /** Ranges from the flags' texts; an exception's message says which text is wrong and why. */
  public static ServiceRanges parse(String clusterIpRange, String nodePortRange) {
    String[] ports = nodePortRange.split("-", -1);
    int min;
    int max;
    try {
      if (ports.length != 2) {
        throw new NumberFormatException();
      }
      min = Integer.parseInt(ports[0].trim());
      max = Integer.parseInt(ports[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + nodePortRange + "\" is not a port range (e.g. 30000-32767)");
    }
    return new ServiceRanges(Ipv4Cidr.parse(clusterIpRange), min, max);
  }

  public boolean nodePortInRange(int port) {
    return port >= nodePortMin && port <= nodePortMax;
  }

  public String nodePortRange() {
    return nodePortMin + "-" + nodePortMax;
  }
}

package dev.capstan.agent.runtime;

/**
 * A container port published on the node (CRI PortMapping): traffic to {@code hostIp:hostPort}
 * reaches {@code containerPort} in the pod.
 *
 * @param protocol "TCP", "UDP" or "SCTP"
 * @param containerPort the port inside the pod
 * @param hostPort the port on the node
 * @param hostIp the node address to bind; empty means every address
 */
public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {
  public PortMapping {
    protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    if (!protocol.equals("TCP") && !protocol.equals("UDP") && !protocol.equals("SCTP")) {
      throw new IllegalArgumentException("protocol: must be TCP, UDP or SCTP, got \"" + protocol + "\"");
    }
    if (containerPort < 1 || containerPort > 65535 || hostPort < 1 || hostPort > 65535) {
      throw new IllegalArgumentException("ports: must be 1..65535, got " + containerPort + " -> " + hostPort);
    }
    hostIp = hostIp == null ? "" : hostIp;
  }
}

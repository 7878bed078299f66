package dev.capstan.agent.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The pod network the agent gives its own containerd or Podman: a CNI conflist of a Linux bridge
 * (gateway, masquerade, hairpin) with host-local IPAM over one IPv4 subnet, portmap for hostPorts,
 * and for containerd loopback (Podman sets up the loopback device itself).
 *
 * @param name the network's name
 * @param bridge the Linux bridge pods attach to (1 to 15 characters)
 * @param podSubnet the pods' IPv4 subnet, e.g. 10.244.0.0/24
 * @param ipamDataDir where host-local keeps its leases
 * @param loopback whether the loopback plugin runs last
 */
public record CniBridgeNetwork(String name, String bridge, String podSubnet, Path ipamDataDir, boolean loopback) {
  private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
  private static final Pattern SUBNET = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");
  private static final int MAX_SOCKET_PATH = 107;

  public CniBridgeNetwork {
    checkBridge(bridge, podSubnet);
  }

  /** Refuses a bridge name Linux would not take or a subnet that is no IPv4 CIDR, naming the field. */
  public static void checkBridge(String bridge, String podSubnet) {
    if (bridge == null || !BRIDGE.matcher(bridge).matches()) {
      throw new IllegalArgumentException("bridge: 1 to 15 letters, digits, '_', '.', '-', got \"" + bridge + "\"");
    }
    if (podSubnet == null || !SUBNET.matcher(podSubnet).matches()) {
      throw new IllegalArgumentException("podSubnet: an IPv4 CIDR like 10.244.0.0/24, got \"" + podSubnet + "\"");
    }
  }

  /** Refuses a socket path longer than a Unix socket address holds (108 bytes with its NUL). */
  public static void checkSocketPath(Path socket) {
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
      throw new IllegalArgumentException("socket: Unix socket paths are limited to 108 bytes (" + MAX_SOCKET_PATH
          + " and a NUL), got " + socket);
    }
  }

  /** The conflist file's content. */
  public String conflist() {
    List<String> lines = new ArrayList<>(List.of(
        "{",
        "  \"cniVersion\": \"0.4.0\",",
        "  \"name\": " + ConfigQuoting.json(name) + ",",
        "  \"plugins\": [",
        "    {",
        "      \"type\": \"bridge\",",
        "      \"bridge\": " + ConfigQuoting.json(bridge) + ",",
        "      \"isGateway\": true,",
        "      \"ipMasq\": true,",
        "      \"hairpinMode\": true,",
        "      \"ipam\": {",
        "        \"type\": \"host-local\",",
        "        \"ranges\": [[{\"subnet\": " + ConfigQuoting.json(podSubnet) + "}]],",
        "        \"routes\": [{\"dst\": \"0.0.0.0/0\"}],",
        "        \"dataDir\": " + ConfigQuoting.json(ipamDataDir.toString()),
        "      }",
        "    },",
        "    {\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}" + (loopback ? "," : "")));
    if (loopback) {
      lines.add("    {\"type\": \"loopback\"}");
    }
    lines.addAll(List.of("  ]", "}", ""));
    return String.join("\n", lines);
  }
}

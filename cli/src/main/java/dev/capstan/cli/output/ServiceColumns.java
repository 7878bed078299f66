package dev.capstan.cli.output;

import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointPort;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The columns kubectl prints for Services (TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S) as
 * {@code 80:30080/TCP}, wide SELECTOR) and Endpoints (the first three ready ip:port pairs and how
 * many more there are).
 */
final class ServiceColumns {
  private static final int ENDPOINTS_SHOWN = 3;

  private ServiceColumns() {}

  static List<String> cells(Service svc, String age, boolean wide) {
    var spec = svc.getSpec();
    String external = switch (spec.getType()) {
      case "ExternalName" -> spec.getExternalName();
      case "LoadBalancer" -> svc.getStatus().getLoadBalancer().getIngressCount() == 0 ? "<pending>"
          : svc.getStatus().getLoadBalancer().getIngressList().stream()
              .map(i -> i.getIp().isEmpty() ? i.getHostname() : i.getIp()).collect(Collectors.joining(","));
      default -> spec.getExternalIpsCount() == 0 ? "<none>" : String.join(",", spec.getExternalIpsList());
    };
    String ports = spec.getPortsList().stream().map(ServiceColumns::port).collect(Collectors.joining(","));
    List<String> c = new ArrayList<>(List.of(svc.getMetadata().getName(), spec.getType(),
        spec.getClusterIp().isEmpty() ? "<none>" : spec.getClusterIp(), external,
        ports.isEmpty() ? "<none>" : ports, age));
    if (wide) {
      c.add(spec.getSelectorCount() == 0 ? "<none>" : new TreeMap<>(spec.getSelectorMap()).entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
    }
    return c;
  }

  private static String port(ServicePort p) {
    return p.getPort() + (p.getNodePort() != 0 ? ":" + p.getNodePort() : "") + "/" + p.getProtocol();
  }

  static String endpoints(Endpoints ep) {
    List<String> pairs = new ArrayList<>();
    for (EndpointSubset subset : ep.getSubsetsList()) {
      for (EndpointAddress address : subset.getAddressesList()) {
        if (subset.getPortsCount() == 0) {
          pairs.add(address.getIp());
        }
        for (EndpointPort port : subset.getPortsList()) {
          pairs.add(address.getIp() + ":" + port.getPort());
        }
      }
    }
    if (pairs.isEmpty()) {
      return "<none>";
    }
    String shown = String.join(",", pairs.subList(0, Math.min(ENDPOINTS_SHOWN, pairs.size())));
    return pairs.size() > ENDPOINTS_SHOWN ? shown + " + " + (pairs.size() - ENDPOINTS_SHOWN) + " more..." : shown;
  }
}
